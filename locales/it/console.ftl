# The owner's console (src/http/console).

console-nav-label = Console
console-nav-home = Panoramica
console-nav-new = Nuovo invito
console-nav-users = Team
console-sign-out = Esci
console-footer = Console Portico. Gli ospiti invitati vedono solo la pagina di configurazione del loro link.
console-role-owner = proprietario
console-role-member = membro
console-login-title = Accedi
console-email = Indirizzo email
console-password = Password
console-sign-in = Accedi
console-forgot-link = Password dimenticata?
console-login-wrong = L’indirizzo email o la password non sono corretti.
console-login-locked =
    Troppe password errate. L’accesso per questo utente è bloccato; riprova tra { $minutes ->
        [one] un minuto
       *[other] { $minutes } minuti
    }.
console-password-done = La password è impostata. Accedi ora.
console-forgot-sent = Se l’indirizzo appartiene a un utente, è in arrivo un link per scegliere una nuova password. Vale un’ora.
console-forgot-title = Scegli una nuova password
console-forgot-intro = Inserisci il tuo indirizzo email: ti invieremo un link per scegliere una nuova password.
console-forgot-submit = Invia il link
console-setup-title = Crea il primo proprietario
console-setup-intro = Questo link ti rende proprietario di questo account Portico. Scegli il tuo indirizzo email e una password.
console-password-title = Scegli la tua password
console-password-intro = Scegli una password per la console Portico.
console-reset-title = Scegli una nuova password
console-password-for = Per { $email }
console-new-password = Nuova password
console-password-rule = Almeno 12 caratteri.
console-confirm-password = La stessa password di nuovo
console-password-submit = Imposta la password
console-password-mismatch = Le due password non coincidono.
console-password-short = La password deve avere almeno 12 caratteri.
console-email-invalid = Inserisci un indirizzo email valido.
console-email-taken = Un utente della console ha già questo indirizzo email.
console-link-gone-title = Questo link non funziona più
console-link-gone-body = È già stato usato, oppure la sua ora è scaduta. Richiedine uno nuovo dalla pagina di accesso.
console-forbidden-title = Non consentito
console-forbidden-body = Il tuo ruolo non lo consente, oppure il modulo era scaduto. Torna indietro, ricarica la pagina e riprova.
console-not-found-title = Non trovato
console-not-found-body = Questa pagina non esiste nel tuo account.
console-error-body = Riprova tra un momento. Se succede ancora, il log del server contiene l’id della richiesta.
console-home-title = Panoramica
console-home-intro = Invita un cliente a configurare una sorgente o una destinazione: riceve un link a una pagina di configurazione e nient’altro del tuo account.
console-new-title = Nuovo invito
console-direction-intro = Che cosa deve configurare il tuo ospite?
console-direction-source = Sorgente
console-direction-source-help = Da dove arrivano i dati: uno strumento HR, un database, un’API.
console-direction-destination = Destinazione
console-direction-destination-help = Dove vanno i dati: un database o un data warehouse.
console-pick-source = Scegli la sorgente
console-pick-destination = Scegli la destinazione
console-pick-search = Cerca connettori
console-pick-search-submit = Cerca
console-pick-categories = Categorie
console-pick-all = Tutte
console-pick-none = Nessun connettore corrisponde.
console-pick-back = Connettori
console-mode-title = Configura { $connector }
console-mode-intro = Chi lo configura inserirà:
console-mode-guest = Crea con un utente temporaneo
console-mode-guest-help = Invia un link via email: il tuo cliente inserisce le credenziali in una pagina e non vede altro.
console-mode-api = Per inserire tu stesso le credenziali, crea la connessione tramite l’API (POST /v1/connections).
console-form-title = Invita un ospite a configurare { $connector }
console-form-intro = Inserisci l’indirizzo email e il nome della nuova connessione, poi salva: il link parte via email.
console-form-recipient = Indirizzo email del destinatario
console-form-recipient-help = Il link viene inviato qui. Chiunque abbia il link può usarlo, a meno che tu non indichi sotto gli indirizzi consentiti.
console-form-name = Nome della nuova connessione
console-form-name-help = Mostrato al tuo ospite e a te nell’elenco delle connessioni.
console-form-more = Altre opzioni
console-form-expiry = Il link vale
console-expiry-day = 1 giorno
console-expiry-week = 7 giorni
console-expiry-month = 30 giorni
console-expiry-never = Fino alla revoca
console-form-max-uses = Quante volte può essere usato
console-form-max-uses-help = Lascia vuoto per nessun limite.
console-form-allowed = Indirizzi email consentiti
console-form-allowed-help = Uno per riga. Se indicati, l’ospite ne dimostra uno con un codice via email; il destinatario è sempre incluso.
console-form-language = Lingua della pagina dell’ospite e dell’email
console-form-prefill = Campi precompilati
console-form-prefill-help = Valori che l’ospite vede già compilati; uno bloccato non può essere cambiato. I campi segreti non sono mai precompilati.
console-form-lock = Blocca { $field }
console-form-redirect = Al termine, manda l’ospite a
console-form-redirect-help = Un tuo indirizzo https; riceve connection_id e status nella query.
console-form-save = Salva
console-created-title = Invito inviato
console-created-sent = Il link è in arrivo a { $email }.
console-created-intro = Quando l’ospite lo completa, la connessione «{ $connection }» compare nel tuo account.
console-created-link = Link per configurare { $connector }
console-copy = Copia
console-copied = Copiato
console-created-once = Il link viene mostrato solo questa volta: se ne conserva solo l’hash.
console-created-another = Crea un altro invito
console-users-title = Team
console-users-role = Ruolo
console-users-status = Stato
console-users-pending = invitato, ancora senza password
console-users-active = attivo
console-users-invite = Invita un membro del team
console-users-invite-submit = Invia l’invito
console-users-invited = { $email } è stato invitato: è in arrivo un link per scegliere la password (valido un’ora).
console-mail-invite-subject = Il tuo accesso alla console Portico
console-mail-invite-body =
    Hai ricevuto l’accesso alla console Portico.

    Scegli qui la tua password (il link vale una volta, per un’ora):
    { $url }
console-mail-reset-subject = Scegli una nuova password Portico
console-mail-reset-body =
    Qualcuno ha chiesto di reimpostare la password del tuo utente della console Portico. Se sei stato tu, scegline una nuova qui (il link vale una volta, per un’ora):
    { $url }

    Se non sei stato tu, ignora questa email: la password resta invariata.
