# Pages invité et e-mails. Chaque message existe en en, de, fr, it et es.

language-name = Français
language-switch = Langue
skip-to-content = Aller au contenu
footer = Configuration de connexion sécurisée par Portico. Ce lien vous donne accès uniquement à cette configuration.
cancel = Annuler

not-found-title = Ce lien n’existe pas
not-found-body = Vérifiez que vous avez copié le lien en entier depuis le message reçu, ou demandez-en un nouveau à son expéditeur.

gone-title = Ce lien ne peut plus être utilisé
gone-expired = Le lien a expiré.
gone-revoked = L’expéditeur a retiré le lien.
gone-fulfilled = Le lien a déjà été utilisé.
gone-body = Demandez un nouveau lien à l’expéditeur si vous devez encore configurer la connexion.
connection-gone-title = Cette connexion n’existe plus
connection-gone-body = La connexion à laquelle ce lien était destiné a été supprimée ; rien n’a été modifié. Demandez un nouveau lien à l’expéditeur si vous devez toujours vous connecter.

forbidden-title = Cette demande a été refusée
forbidden-body = Le formulaire était trop ancien ou ne provenait pas de cette page. Revenez en arrière, rechargez la page et réessayez.

too-many-title = Trop de demandes
too-many-body = Veuillez patienter une minute, puis réessayer.

error-title = Une erreur s'est produite
error-body = Veuillez réessayer dans un instant. Si le problème persiste, prévenez l'expéditeur du lien.

session-title = Votre session est terminée
session-body = Pour votre sécurité, une session dure une heure. Ouvrez à nouveau le lien figurant dans votre message pour continuer.

locked-title = Cette étape est bloquée pour le moment
locked-form = Il y a eu trop de tentatives infructueuses avec ce lien. Pour votre sécurité, le formulaire est bloqué pendant une heure.
locked-email = Trop de codes incorrects ont été saisis pour ce lien. Pour votre sécurité, la confirmation par e-mail est bloquée pendant une heure.
locked-retry = { $minutes ->
    [one] Veuillez réessayer dans une minute.
   *[other] Veuillez réessayer dans { $minutes } minutes.
}

email-title = Confirmez votre adresse e-mail
email-intro = Ce lien est réservé aux personnes invitées. Saisissez votre adresse e-mail et nous vous enverrons un code.
email-label = Adresse e-mail
email-submit = Recevoir un code
email-invalid = Saisissez une adresse e-mail valide.

code-title = Saisissez votre code
code-intro = Si l’adresse { $email } est autorisée à utiliser ce lien, nous y avons envoyé un code à { $digits } chiffres. Le code est valable 10 minutes.
code-label = Code
code-submit = Confirmer
code-resend = Envoyer un nouveau code
code-other-email = Utiliser une autre adresse
code-wrong = { $left ->
    [0] Ce code est incorrect. Il ne vous reste aucun essai : demandez un nouveau code.
    [one] Ce code est incorrect. Il vous reste un essai.
   *[other] Ce code est incorrect. Il vous reste { $left } essais.
}
code-expired = Ce code a expiré. Demandez-en un nouveau.
code-locked = Trop d’essais incorrects. Demandez un nouveau code.
code-missing = Demandez d’abord un code.
code-resend-wait = Un code a été envoyé il y a moins d’une minute. Veuillez patienter avant d’en demander un autre.
code-too-many = Plusieurs codes ont déjà été demandés pour cette adresse avec ce lien au cours de l’heure. Veuillez patienter jusqu’à une heure avant d’en demander un autre.

pick-title = Choisissez votre système { $category }
pick-intro = Sélectionnez l’outil utilisé par votre organisation ; vous saisirez ensuite ses informations de connexion.
pick-label = Outil
pick-submit = Continuer
pick-missing = Choisissez l’un des outils.

form-title-create = Connecter { $connector }
form-title-edit = Mettre à jour les identifiants pour { $connector }
form-intro = Vous configurez la connexion « { $connection } ». Seules les informations ci-dessous sont partagées.
form-intro-edit = Vous mettez à jour la connexion « { $connection } ». Seules les informations ci-dessous sont partagées.
form-submit = Connecter
form-submit-edit = Enregistrer
form-required = obligatoire
form-locked = Défini par l’expéditeur ; ne peut pas être modifié.
form-secret = Cette valeur est stockée de manière chiffrée et n’est plus jamais affichée.
form-errors = Veuillez corriger les points suivants :
form-secret-again = Pour votre sécurité, cette valeur n’a pas été conservée : saisissez-la à nouveau.
form-error-item = { $label } : { $message }
check-failed-wrong-credentials = { $connector } n’a pas accepté ces identifiants. Vérifiez le nom d’utilisateur, le mot de passe ou la clé, ainsi que la base de données ou le compte visés.
check-failed-unreachable = Portico n’a pas pu joindre { $connector } à l’adresse indiquée. Vérifiez l’hôte et le port, et que le serveur accepte les connexions de Portico.
check-failed-timed-out = { $connector } n’a pas répondu à temps. Vérifiez l’hôte et le port, puis réessayez.
check-failed-tls = Une connexion sécurisée (TLS) avec { $connector } n’a pas pu être établie comme l’exigent les paramètres. Vérifiez le mode SSL et le certificat du serveur.
check-failed-refused = Cette adresse n’est pas joignable depuis Portico.
check-failed-unexpected = { $connector } a répondu de façon inattendue. Vérifiez les informations saisies, puis réessayez.
check-failed-busy = Portico vérifie d’autres connexions en ce moment. Veuillez réessayer dans un instant.

field-error-unknown = Ce champ ne fait pas partie de ce formulaire.
field-error-required = Ce champ est obligatoire.
field-error-not_text = Saisissez du texte.
field-error-not_integer = Saisissez un nombre entier.
field-error-not_boolean = Choisissez oui ou non.
field-error-not_an_option = Choisissez l’une des options.
field-error-contains_nul = La valeur contient des caractères non autorisés.
field-error-pattern_mismatch = La valeur n’a pas le format attendu.
field-error-length = Saisissez entre { $min } et { $max } caractères.
field-error-range = Saisissez un nombre entre { $min } et { $max }.
field-error-unreachable-address = Cette adresse n’est pas joignable depuis Portico.
field-error-locked = Cette valeur est définie par l’expéditeur et ne peut pas être modifiée.
field-error-broken_spec = Ce champ ne peut pas être vérifié pour le moment.

done-title = C’est terminé
done-body = La connexion « { $connection } » est prête. Vous pouvez fermer cette page.

mail-code-subject = Votre code de confirmation
mail-code-body = Votre code de confirmation est { $code }. Il est valable 10 minutes. Si vous ne l’avez pas demandé, vous pouvez ignorer ce message.
mail-code-context = Vous l’avez demandé pour configurer la connexion « { $connection } ».
mail-invitation-subject = Invitation à connecter { $connector }
mail-invitation-body = Vous avez reçu une invitation à configurer la connexion « { $connection } ». Ouvrez ce lien pour continuer : { $url }
mail-invitation-expiry = Le lien est valable jusqu’au { $expires }.
renewal-submit = Demander un nouveau lien
renewal-sent-title = Merci
renewal-sent-body = Si l’expéditeur souhaite toujours cette connexion, il vous enverra un nouveau lien.

# Branding: the account's display name on guest pages and emails.
brand-asks = { $name } vous invite à connecter { $connector }
brand-asks-edit = { $name } vous invite à reconnecter { $connector }
