# console_branding: the console pages of src/http/console (issue 13).
console-brand-title = Markenauftritt
console-brand-intro = Was Ihre Gäste auf der Einrichtungsseite und in den E-Mails sehen: Ihren Namen, Ihr Logo und Ihre Farbe.
console-brand-preview = Vorschau
console-brand-logo-alt = Ihr Logo
console-brand-display-name = Anzeigename
console-brand-display-name-help = Gäste lesen „{"{"}name{"}"} bittet Sie, … zu verbinden“. Leer lassen, um ihn zu entfernen.
console-brand-primary-color = Hauptfarbe
console-brand-primary-color-help = Als #rrggbb, für die Schaltflächen und Links der Gastseiten. Leer lassen, um sie zu entfernen.
console-brand-logo = Logo
console-brand-logo-help = Ein PNG- oder JPEG-Bild von höchstens 256 KiB. Ohne Datei bleibt das jetzige.
console-brand-remove-logo = Logo entfernen
console-brand-save = Speichern
console-brand-saved = Der Markenauftritt ist gespeichert. Gastseiten und E-Mails zeigen ihn ab jetzt.
console-brand-display-name-invalid = Verwenden Sie 1 bis 100 Zeichen, ohne Zeilenumbrüche.
console-brand-primary-color-invalid = Schreiben Sie die Farbe als #rrggbb, zum Beispiel #0a7d5a.
console-brand-logo-invalid = Wählen Sie ein PNG- oder JPEG-Bild von höchstens { $kib } KiB.
