# The owner's console (src/http/console).

console-nav-label = Konsole
console-nav-home = Übersicht
console-nav-new = Neue Einladung
console-nav-users = Team
console-sign-out = Abmelden
console-footer = Portico-Konsole. Eingeladene Gäste sehen nur die Einrichtungsseite ihres Links.
console-role-owner = Inhaber
console-role-member = Mitglied
console-login-title = Anmelden
console-email = E-Mail-Adresse
console-password = Passwort
console-sign-in = Anmelden
console-forgot-link = Passwort vergessen?
console-login-wrong = E-Mail-Adresse oder Passwort stimmen nicht.
console-login-locked =
    Zu viele falsche Passwörter. Die Anmeldung ist gesperrt; versuchen Sie es in { $minutes ->
        [one] einer Minute
       *[other] { $minutes } Minuten
    } erneut.
console-password-done = Ihr Passwort ist gesetzt. Melden Sie sich jetzt damit an.
console-forgot-sent = Wenn die Adresse zu einem Benutzer gehört, ist ein Link für ein neues Passwort unterwegs. Er gilt eine Stunde.
console-forgot-title = Neues Passwort wählen
console-forgot-intro = Geben Sie Ihre E-Mail-Adresse ein; wir senden Ihnen einen Link für ein neues Passwort.
console-forgot-submit = Link senden
console-setup-title = Ersten Inhaber anlegen
console-setup-intro = Mit diesem Link werden Sie Inhaber dieses Portico-Kontos. Wählen Sie Ihre E-Mail-Adresse und ein Passwort.
console-password-title = Passwort wählen
console-password-intro = Wählen Sie ein Passwort für die Portico-Konsole.
console-reset-title = Neues Passwort wählen
console-password-for = Für { $email }
console-new-password = Neues Passwort
console-password-rule = Mindestens 12 Zeichen.
console-confirm-password = Dasselbe Passwort noch einmal
console-password-submit = Passwort setzen
console-password-mismatch = Die beiden Passwörter sind nicht gleich.
console-password-short = Das Passwort braucht mindestens 12 Zeichen.
console-email-invalid = Geben Sie eine gültige E-Mail-Adresse ein.
console-email-taken = Ein Konsolenbenutzer hat diese E-Mail-Adresse bereits.
console-link-gone-title = Dieser Link funktioniert nicht mehr
console-link-gone-body = Er wurde schon benutzt, oder seine Stunde ist vorbei. Fordern Sie auf der Anmeldeseite einen neuen an.
console-forbidden-title = Nicht erlaubt
console-forbidden-body = Ihre Rolle erlaubt das nicht, oder das Formular war veraltet. Gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es erneut.
console-not-found-title = Nicht gefunden
console-not-found-body = Diese Seite gibt es in Ihrem Konto nicht.
console-error-body = Bitte versuchen Sie es gleich noch einmal. Wenn es wieder passiert, steht die Anfrage-ID im Serverprotokoll.
console-home-title = Übersicht
console-home-intro = Laden Sie einen Kunden ein, eine Quelle oder ein Ziel einzurichten: Er bekommt einen Link zu einer Einrichtungsseite und sonst nichts von Ihrem Konto.
console-new-title = Neue Einladung
console-direction-intro = Was soll Ihr Gast einrichten?
console-direction-source = Quelle
console-direction-source-help = Woher Daten kommen: ein HR-Tool, eine Datenbank, eine API.
console-direction-destination = Ziel
console-direction-destination-help = Wohin Daten gehen: eine Datenbank oder ein Warehouse.
console-pick-source = Quelle wählen
console-pick-destination = Ziel wählen
console-pick-search = Konnektoren suchen
console-pick-search-submit = Suchen
console-pick-categories = Kategorien
console-pick-all = Alle
console-pick-none = Kein Konnektor passt.
console-pick-back = Konnektoren
console-mode-title = { $connector } einrichten
console-mode-intro = Wer es einrichtet, gibt Folgendes ein:
console-mode-guest = Mit einem temporären Benutzer anlegen
console-mode-guest-help = Einen Link per E-Mail senden: Ihr Kunde gibt die Zugangsdaten auf einer Seite ein und sieht sonst nichts.
console-mode-api = Um die Zugangsdaten selbst einzugeben, legen Sie die Verbindung über die API an (POST /v1/connections).
console-form-title = Einen Gast einladen, { $connector } einzurichten
console-form-intro = Geben Sie die E-Mail-Adresse und den Namen der neuen Verbindung ein und speichern Sie: Der Link wird per E-Mail verschickt.
console-form-recipient = E-Mail-Adresse des Empfängers
console-form-recipient-help = Der Link geht an diese Adresse. Wer den Link hat, kann ihn benutzen, außer Sie nennen unten erlaubte Adressen.
console-form-name = Name der neuen Verbindung
console-form-name-help = Wird Ihrem Gast angezeigt und Ihnen in der Liste der Verbindungen.
console-form-more = Weitere Optionen
console-form-expiry = Der Link gilt
console-expiry-day = 1 Tag
console-expiry-week = 7 Tage
console-expiry-month = 30 Tage
console-expiry-never = Bis zum Widerruf
console-form-max-uses = Wie oft er benutzt werden kann
console-form-max-uses-help = Leer lassen für keine Grenze.
console-form-allowed = Erlaubte E-Mail-Adressen
console-form-allowed-help = Eine pro Zeile. Wenn gesetzt, weist der Gast eine davon mit einem Code per E-Mail nach; der Empfänger gehört immer dazu.
console-form-language = Sprache der Gastseite und der E-Mail
console-form-prefill = Vorausgefüllte Felder
console-form-prefill-help = Werte, die der Gast ausgefüllt sieht; ein gesperrter kann nicht geändert werden. Geheime Felder werden nie vorausgefüllt.
console-form-lock = { $field } sperren
console-form-redirect = Nach dem Abschluss den Gast weiterleiten zu
console-form-redirect-help = Eine https-Adresse von Ihnen; sie erhält connection_id und status in der Query.
console-form-save = Speichern
console-created-title = Einladung verschickt
console-created-sent = Der Link ist unterwegs an { $email }.
console-created-intro = Wenn der Gast ihn abschließt, erscheint die Verbindung „{ $connection }“ in Ihrem Konto.
console-created-link = Link zur Einrichtung von { $connector }
console-copy = Kopieren
console-copied = Kopiert
console-created-once = Der Link wird nur dieses eine Mal angezeigt: Gespeichert wird nur sein Hash.
console-created-another = Weitere Einladung anlegen
console-users-title = Team
console-users-role = Rolle
console-users-status = Status
console-users-pending = eingeladen, noch kein Passwort
console-users-active = aktiv
console-users-invite = Teammitglied einladen
console-users-invite-submit = Einladung senden
console-users-invited = { $email } ist eingeladen: Ein Link zur Passwortwahl ist unterwegs (eine Stunde gültig).
console-mail-invite-subject = Ihr Zugang zur Portico-Konsole
console-mail-invite-body =
    Sie haben Zugang zur Portico-Konsole erhalten.

    Wählen Sie hier Ihr Passwort (der Link gilt einmal, eine Stunde lang):
    { $url }
console-mail-reset-subject = Neues Portico-Passwort wählen
console-mail-reset-body =
    Jemand hat verlangt, das Passwort Ihres Portico-Konsolenbenutzers zurückzusetzen. Wenn Sie es waren, wählen Sie hier ein neues (der Link gilt einmal, eine Stunde lang):
    { $url }

    Wenn nicht, ignorieren Sie diese E-Mail: Ihr Passwort bleibt, wie es ist.
