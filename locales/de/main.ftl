# Gastseiten und E-Mails. Jede Nachricht existiert in en, de, fr, it und es.

language-name = Deutsch
language-switch = Sprache
skip-to-content = Zum Inhalt springen
footer = Sichere Verbindungseinrichtung durch Portico. Über diesen Link ist nur diese Einrichtung für Sie zugänglich.
cancel = Abbrechen

not-found-title = Diesen Link gibt es nicht
not-found-body = Prüfen Sie, ob Sie den vollständigen Link aus der erhaltenen Nachricht kopiert haben, oder bitten Sie den Absender um einen neuen.

gone-title = Dieser Link kann nicht mehr verwendet werden
gone-expired = Der Link ist abgelaufen.
gone-revoked = Der Absender hat den Link zurückgezogen.
gone-fulfilled = Der Link wurde bereits verwendet.
gone-body = Bitten Sie den Absender um einen neuen Link, falls Sie die Verbindung noch einrichten müssen.
connection-gone-title = Diese Verbindung gibt es nicht mehr
connection-gone-body = Die Verbindung, für die dieser Link gedacht war, wurde gelöscht; es wurde nichts geändert. Bitten Sie den Absender um einen neuen Link, wenn Sie sich weiterhin verbinden möchten.

forbidden-title = Diese Anfrage wurde abgelehnt
forbidden-body = Das Formular war zu alt oder stammte nicht von dieser Seite. Gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es erneut.

too-many-title = Zu viele Anfragen
too-many-body = Bitte warten Sie eine Minute und versuchen Sie es dann erneut.

error-title = Etwas ist schiefgelaufen
error-body = Bitte versuchen Sie es gleich noch einmal. Wenn der Fehler bleibt, wenden Sie sich an den Absender des Links.

session-title = Ihre Sitzung ist beendet
session-body = Zu Ihrer Sicherheit dauert eine Sitzung eine Stunde. Öffnen Sie den Link aus Ihrer Nachricht erneut, um fortzufahren.

locked-title = Dieser Schritt ist vorübergehend gesperrt
locked-form = Mit diesem Link gab es zu viele erfolglose Versuche. Zu Ihrer Sicherheit ist das Formular für eine Stunde gesperrt.
locked-email = Für diesen Link wurden zu viele falsche Codes eingegeben. Zu Ihrer Sicherheit ist die E-Mail-Bestätigung für eine Stunde gesperrt.
locked-retry = { $minutes ->
    [one] Bitte versuchen Sie es in einer Minute erneut.
   *[other] Bitte versuchen Sie es in { $minutes } Minuten erneut.
}

email-title = Bestätigen Sie Ihre E-Mail-Adresse
email-intro = Dieser Link darf nur von eingeladenen Personen verwendet werden. Geben Sie Ihre E-Mail-Adresse ein, und wir senden Ihnen einen Code.
email-label = E-Mail-Adresse
email-submit = Code zusenden
email-invalid = Geben Sie eine gültige E-Mail-Adresse ein.

code-title = Code eingeben
code-intro = Falls { $email } diesen Link verwenden darf, haben wir einen { $digits }-stelligen Code an diese Adresse gesendet. Der Code ist 10 Minuten lang gültig.
code-label = Code
code-submit = Bestätigen
code-resend = Neuen Code senden
code-other-email = Andere Adresse verwenden
code-wrong = { $left ->
    [0] Dieser Code ist nicht richtig. Sie haben keine Versuche mehr: Fordern Sie einen neuen Code an.
    [one] Dieser Code ist nicht richtig. Sie haben noch einen Versuch.
   *[other] Dieser Code ist nicht richtig. Sie haben noch { $left } Versuche.
}
code-expired = Dieser Code ist abgelaufen. Fordern Sie einen neuen an.
code-locked = Zu viele falsche Versuche. Fordern Sie einen neuen Code an.
code-missing = Fordern Sie zuerst einen Code an.
code-resend-wait = Vor weniger als einer Minute wurde bereits ein Code gesendet. Bitte warten Sie, bevor Sie einen weiteren anfordern.
code-too-many = Für diese Adresse wurden über diesen Link innerhalb einer Stunde bereits mehrere Codes angefordert. Bitte warten Sie bis zu einer Stunde, bevor Sie einen weiteren anfordern.

pick-title = Wählen Sie Ihr { $category }-System
pick-intro = Wählen Sie das Tool, das Ihre Organisation verwendet; danach geben Sie die Verbindungsdaten ein.
pick-label = Tool
pick-submit = Weiter
pick-missing = Wählen Sie eines der Tools.

form-title-create = { $connector } verbinden
form-title-edit = Zugangsdaten für { $connector } aktualisieren
form-intro = Sie richten die Verbindung „{ $connection }“ ein. Nur die unten stehenden Angaben werden weitergegeben.
form-intro-edit = Sie aktualisieren die Verbindung „{ $connection }“. Nur die unten stehenden Angaben werden weitergegeben.
form-submit = Verbinden
form-submit-edit = Speichern
form-required = erforderlich
form-locked = Vom Absender festgelegt; kann nicht geändert werden.
form-secret = Dieser Wert wird verschlüsselt gespeichert und nie wieder angezeigt.
form-errors = Bitte korrigieren Sie Folgendes:
form-secret-again = Zu Ihrer Sicherheit wurde der Wert nicht behalten: Bitte geben Sie ihn erneut ein.
form-error-item = { $label }: { $message }
check-failed-wrong-credentials = { $connector } hat diese Zugangsdaten nicht akzeptiert. Prüfen Sie Benutzername, Passwort oder Schlüssel sowie die Datenbank oder das Konto.
check-failed-unreachable = Portico konnte { $connector } unter dieser Adresse nicht erreichen. Prüfen Sie Host und Port und ob der Server Verbindungen von Portico annimmt.
check-failed-timed-out = { $connector } hat nicht rechtzeitig geantwortet. Prüfen Sie Host und Port und versuchen Sie es erneut.
check-failed-tls = Eine sichere Verbindung (TLS) zu { $connector } ließ sich nicht wie verlangt aufbauen. Prüfen Sie den SSL-Modus und das Zertifikat des Servers.
check-failed-refused = Diese Adresse ist von Portico aus nicht erreichbar.
check-failed-unexpected = { $connector } hat unerwartet geantwortet. Prüfen Sie Ihre Angaben und versuchen Sie es erneut.
check-failed-busy = Portico prüft gerade andere Verbindungen. Bitte versuchen Sie es gleich noch einmal.

field-error-unknown = Dies ist kein Feld dieses Formulars.
field-error-required = Dieses Feld ist erforderlich.
field-error-not_text = Geben Sie Text ein.
field-error-not_integer = Geben Sie eine ganze Zahl ein.
field-error-not_boolean = Wählen Sie Ja oder Nein.
field-error-not_an_option = Wählen Sie eine der Optionen.
field-error-contains_nul = Die Eingabe enthält unzulässige Zeichen.
field-error-pattern_mismatch = Die Eingabe hat nicht das erwartete Format.
field-error-length = Geben Sie zwischen { $min } und { $max } Zeichen ein.
field-error-range = Geben Sie eine Zahl zwischen { $min } und { $max } ein.
field-error-unreachable-address = Diese Adresse ist von Portico aus nicht erreichbar.
field-error-locked = Dieser Wert wurde vom Absender festgelegt und kann nicht geändert werden.
field-error-broken_spec = Dieses Feld kann derzeit nicht geprüft werden.

done-title = Fertig
done-body = Die Verbindung „{ $connection }“ ist eingerichtet. Sie können diese Seite schließen.

mail-code-subject = Ihr Bestätigungscode
mail-code-body = Ihr Bestätigungscode lautet { $code }. Er ist 10 Minuten lang gültig. Falls Sie ihn nicht angefordert haben, können Sie diese Nachricht ignorieren.
mail-code-context = Sie haben ihn angefordert, um die Verbindung „{ $connection }“ einzurichten.
mail-invitation-subject = Einladung zur Verbindung mit { $connector }
mail-invitation-body = Sie wurden eingeladen, die Verbindung „{ $connection }“ einzurichten. Öffnen Sie diesen Link, um fortzufahren: { $url }
mail-invitation-expiry = Der Link ist gültig bis { $expires }.
renewal-submit = Neuen Link anfordern
renewal-sent-title = Vielen Dank
renewal-sent-body = Wenn der Absender diese Verbindung noch wünscht, schickt er Ihnen einen neuen Link.

# Branding: the account's display name on guest pages and emails.
brand-asks = { $name } bittet Sie, { $connector } zu verbinden
brand-asks-edit = { $name } bittet Sie, { $connector } erneut zu verbinden
