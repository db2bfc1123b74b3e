# Pagine ospite ed e-mail. Ogni messaggio esiste in en, de, fr, it ed es.

language-name = Italiano
language-switch = Lingua
skip-to-content = Vai al contenuto
footer = Configurazione sicura della connessione a cura di Portico. Tramite questo link Le è accessibile solo questa configurazione.
cancel = Annulla

not-found-title = Questo link non esiste
not-found-body = Verifichi di aver copiato il link completo dal messaggio ricevuto, oppure ne chieda uno nuovo al mittente.

gone-title = Questo link non può più essere utilizzato
gone-expired = Il link è scaduto.
gone-revoked = Il mittente ha revocato il link.
gone-fulfilled = Il link è già stato utilizzato.
gone-body = Se deve ancora configurare la connessione, chieda un nuovo link al mittente.
connection-gone-title = Questa connessione non esiste più
connection-gone-body = La connessione a cui era destinato questo link è stata eliminata, quindi non è stato modificato nulla. Chieda un nuovo link al mittente se deve ancora collegarsi.

forbidden-title = La richiesta è stata rifiutata
forbidden-body = Il modulo era troppo vecchio o non proveniva da questa pagina. Torni indietro, ricarichi la pagina e riprovi.

too-many-title = Troppe richieste
too-many-body = Attenda un minuto, poi riprovi.

error-title = Si è verificato un errore
error-body = Riprovi tra un momento. Se il problema persiste, avvisi il mittente del link.

session-title = La sessione è terminata
session-body = Per la Sua sicurezza, una sessione dura un’ora. Per continuare, riapra il link contenuto nel messaggio.

locked-title = Questo passaggio è bloccato per ora
locked-form = Ci sono stati troppi tentativi non riusciti con questo link. Per la Sua sicurezza, il modulo è bloccato per un’ora.
locked-email = Sono stati inseriti troppi codici errati per questo link. Per la Sua sicurezza, la conferma via e-mail è bloccata per un’ora.
locked-retry = { $minutes ->
    [one] Riprovi tra un minuto.
   *[other] Riprovi tra { $minutes } minuti.
}

email-title = Confermi il Suo indirizzo e-mail
email-intro = Questo link può essere utilizzato solo dalle persone invitate. Inserisca il Suo indirizzo e-mail e Le invieremo un codice.
email-label = Indirizzo e-mail
email-submit = Invia il codice
email-invalid = Inserisca un indirizzo e-mail valido.

code-title = Inserisca il codice
code-intro = Se l’indirizzo { $email } è autorizzato a utilizzare questo link, vi abbiamo inviato un codice di { $digits } cifre. Il codice è valido per 10 minuti.
code-label = Codice
code-submit = Conferma
code-resend = Invia un nuovo codice
code-other-email = Usa un altro indirizzo
code-wrong = { $left ->
    [0] Il codice non è corretto. Non restano tentativi: richieda un nuovo codice.
    [one] Il codice non è corretto. Resta un tentativo.
   *[other] Il codice non è corretto. Restano { $left } tentativi.
}
code-expired = Il codice è scaduto. Ne richieda uno nuovo.
code-locked = Troppi tentativi errati. Richieda un nuovo codice.
code-missing = Richieda prima un codice.
code-resend-wait = È stato inviato un codice meno di un minuto fa. Attenda prima di richiederne un altro.
code-too-many = Per questo indirizzo sono già stati richiesti diversi codici con questo link nell’ultima ora. Attenda fino a un’ora prima di richiederne un altro.

pick-title = Scelga il Suo sistema { $category }
pick-intro = Selezioni lo strumento usato dalla Sua organizzazione; poi inserirà i dati di connessione.
pick-label = Strumento
pick-submit = Continua
pick-missing = Scelga uno degli strumenti.

form-title-create = Connetti { $connector }
form-title-edit = Aggiorna le credenziali di { $connector }
form-intro = Sta configurando la connessione «{ $connection }». Vengono condivisi solo i dati indicati di seguito.
form-intro-edit = Sta aggiornando la connessione «{ $connection }». Vengono condivisi solo i dati indicati di seguito.
form-submit = Connetti
form-submit-edit = Salva
form-required = obbligatorio
form-locked = Impostato dal mittente; non modificabile.
form-secret = Questo valore viene conservato in forma cifrata e non viene più mostrato.
form-errors = Corregga quanto segue:
form-secret-again = Per la Sua sicurezza questo valore non è stato conservato: lo inserisca di nuovo.
form-error-item = { $label }: { $message }
check-failed-wrong-credentials = { $connector } non ha accettato queste credenziali. Controlli nome utente, password o chiave, e il database o l’account indicati.
check-failed-unreachable = Portico non è riuscito a raggiungere { $connector } all’indirizzo indicato. Controlli host e porta, e che il server accetti connessioni da Portico.
check-failed-timed-out = { $connector } non ha risposto in tempo. Controlli host e porta, poi riprovi.
check-failed-tls = Non è stato possibile stabilire una connessione sicura (TLS) con { $connector } come richiesto dalle impostazioni. Controlli la modalità SSL e il certificato del server.
check-failed-refused = Questo indirizzo non è raggiungibile da Portico.
check-failed-unexpected = { $connector } ha risposto in modo inatteso. Controlli i dati inseriti, poi riprovi.
check-failed-busy = Portico sta verificando altre connessioni. Riprovi tra un momento.

field-error-unknown = Questo campo non fa parte del modulo.
field-error-required = Questo campo è obbligatorio.
field-error-not_text = Inserisca del testo.
field-error-not_integer = Inserisca un numero intero.
field-error-not_boolean = Scelga sì o no.
field-error-not_an_option = Scelga una delle opzioni.
field-error-contains_nul = Il valore contiene caratteri non consentiti.
field-error-pattern_mismatch = Il valore non ha il formato previsto.
field-error-length = Inserisca da { $min } a { $max } caratteri.
field-error-range = Inserisca un numero compreso tra { $min } e { $max }.
field-error-unreachable-address = Questo indirizzo non è raggiungibile da Portico.
field-error-locked = Questo valore è impostato dal mittente e non può essere modificato.
field-error-broken_spec = Al momento non è possibile verificare questo campo.

done-title = Tutto pronto
done-body = La connessione «{ $connection }» è pronta. Può chiudere questa pagina.

mail-code-subject = Il Suo codice di conferma
mail-code-body = Il Suo codice di conferma è { $code }. È valido per 10 minuti. Se non lo ha richiesto, può ignorare questo messaggio.
mail-code-context = Lo ha richiesto per configurare la connessione «{ $connection }».
mail-invitation-subject = Invito a connettere { $connector }
mail-invitation-body = Ha ricevuto un invito a configurare la connessione «{ $connection }». Per continuare, apra questo link: { $url }
mail-invitation-expiry = Il link è valido fino al { $expires }.
renewal-submit = Chiedi un nuovo link
renewal-sent-title = Grazie
renewal-sent-body = Se il mittente desidera ancora questa connessione, le invierà un nuovo link.

# Branding: the account's display name on guest pages and emails.
brand-asks = { $name } Le chiede di connettere { $connector }
brand-asks-edit = { $name } Le chiede di riconnettere { $connector }
