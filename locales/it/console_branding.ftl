# console_branding: the console pages of src/http/console (issue 13).
console-brand-title = Personalizzazione
console-brand-intro = Ciò che i tuoi ospiti vedono nella pagina di configurazione e nelle email: il tuo nome, il tuo logo e il tuo colore.
console-brand-preview = Anteprima
console-brand-logo-alt = Il tuo logo
console-brand-display-name = Nome visualizzato
console-brand-display-name-help = Gli ospiti leggono «{"{"}name{"}"} ti chiede di collegare …». Lascia vuoto per rimuoverlo.
console-brand-primary-color = Colore principale
console-brand-primary-color-help = Nel formato #rrggbb, per i pulsanti e i link delle pagine ospite. Lascia vuoto per rimuoverlo.
console-brand-logo = Logo
console-brand-logo-help = Un’immagine PNG o JPEG di al massimo 256 KiB. Senza file resta quello attuale.
console-brand-remove-logo = Rimuovi il logo
console-brand-save = Salva
console-brand-saved = La personalizzazione è salvata. Le pagine ospite e le email la mostrano da ora.
console-brand-display-name-invalid = Usa da 1 a 100 caratteri, senza a capo.
console-brand-primary-color-invalid = Scrivi il colore nel formato #rrggbb, per esempio #0a7d5a.
console-brand-logo-invalid = Scegli un’immagine PNG o JPEG di al massimo { $kib } KiB.
