# The owner's console (src/http/console).

console-nav-label = Console
console-nav-home = Vue d’ensemble
console-nav-new = Nouvelle invitation
console-nav-users = Équipe
console-sign-out = Se déconnecter
console-footer = Console Portico. Les invités ne voient que la page de configuration de leur lien.
console-role-owner = propriétaire
console-role-member = membre
console-login-title = Se connecter
console-email = Adresse e-mail
console-password = Mot de passe
console-sign-in = Se connecter
console-forgot-link = Mot de passe oublié ?
console-login-wrong = L’adresse e-mail ou le mot de passe est incorrect.
console-login-locked =
    Trop de mots de passe erronés. La connexion de cet utilisateur est bloquée ; réessayez dans { $minutes ->
        [one] une minute
       *[other] { $minutes } minutes
    }.
console-password-done = Votre mot de passe est défini. Connectez-vous maintenant.
console-forgot-sent = Si cette adresse appartient à un utilisateur, un lien pour choisir un nouveau mot de passe est en route. Il est valable une heure.
console-forgot-title = Choisir un nouveau mot de passe
console-forgot-intro = Saisissez votre adresse e-mail ; nous vous enverrons un lien pour choisir un nouveau mot de passe.
console-forgot-submit = Envoyer le lien
console-setup-title = Créer le premier propriétaire
console-setup-intro = Ce lien fait de vous le propriétaire de ce compte Portico. Choisissez votre adresse e-mail et un mot de passe.
console-password-title = Choisissez votre mot de passe
console-password-intro = Choisissez un mot de passe pour la console Portico.
console-reset-title = Choisir un nouveau mot de passe
console-password-for = Pour { $email }
console-new-password = Nouveau mot de passe
console-password-rule = Au moins 12 caractères.
console-confirm-password = Le même mot de passe, encore une fois
console-password-submit = Définir le mot de passe
console-password-mismatch = Les deux mots de passe ne sont pas identiques.
console-password-short = Le mot de passe doit compter au moins 12 caractères.
console-email-invalid = Saisissez une adresse e-mail valide.
console-email-taken = Un utilisateur de la console a déjà cette adresse e-mail.
console-link-gone-title = Ce lien ne fonctionne plus
console-link-gone-body = Il a déjà servi, ou son heure est passée. Demandez-en un nouveau depuis la page de connexion.
console-forbidden-title = Non autorisé
console-forbidden-body = Votre rôle ne le permet pas, ou le formulaire était périmé. Revenez en arrière, rechargez la page et réessayez.
console-not-found-title = Introuvable
console-not-found-body = Cette page n’existe pas dans votre compte.
console-error-body = Veuillez réessayer dans un instant. Si cela se reproduit, le journal du serveur contient l’identifiant de la requête.
console-home-title = Vue d’ensemble
console-home-intro = Invitez un client à configurer une source ou une destination : il reçoit un lien vers une page de configuration, et rien d’autre de votre compte.
console-new-title = Nouvelle invitation
console-direction-intro = Que doit configurer votre invité ?
console-direction-source = Source
console-direction-source-help = D’où viennent les données : un outil RH, une base de données, une API.
console-direction-destination = Destination
console-direction-destination-help = Où vont les données : une base de données ou un entrepôt.
console-pick-source = Choisissez la source
console-pick-destination = Choisissez la destination
console-pick-search = Rechercher des connecteurs
console-pick-search-submit = Rechercher
console-pick-categories = Catégories
console-pick-all = Toutes
console-pick-none = Aucun connecteur ne correspond.
console-pick-back = Connecteurs
console-mode-title = Configurer { $connector }
console-mode-intro = La personne qui le configure saisira :
console-mode-guest = Créer avec un utilisateur temporaire
console-mode-guest-help = Envoyer un lien par e-mail : votre client saisit les identifiants sur une page et ne voit rien d’autre.
console-mode-api = Pour saisir vous-même les identifiants, créez la connexion par l’API (POST /v1/connections).
console-form-title = Inviter un invité à configurer { $connector }
console-form-intro = Saisissez l’adresse e-mail et le nom de la nouvelle connexion, puis enregistrez : le lien part par e-mail.
console-form-recipient = Adresse e-mail du destinataire
console-form-recipient-help = Le lien est envoyé ici. Quiconque a le lien peut l’utiliser, sauf si vous indiquez des adresses autorisées ci-dessous.
console-form-name = Nom de la nouvelle connexion
console-form-name-help = Affiché à votre invité, et à vous dans la liste des connexions.
console-form-more = Plus d’options
console-form-expiry = Le lien est valable
console-expiry-day = 1 jour
console-expiry-week = 7 jours
console-expiry-month = 30 jours
console-expiry-never = Jusqu’à révocation
console-form-max-uses = Nombre d’utilisations
console-form-max-uses-help = Laissez vide pour aucune limite.
console-form-allowed = Adresses e-mail autorisées
console-form-allowed-help = Une par ligne. Si elles sont indiquées, l’invité prouve l’une d’elles par un code reçu par e-mail ; le destinataire en fait toujours partie.
console-form-language = Langue de la page de l’invité et de l’e-mail
console-form-prefill = Champs pré-remplis
console-form-prefill-help = Valeurs que l’invité voit déjà remplies ; une valeur verrouillée ne peut pas être modifiée. Les champs secrets ne sont jamais pré-remplis.
console-form-lock = Verrouiller { $field }
console-form-redirect = Après la fin, envoyer l’invité vers
console-form-redirect-help = Une adresse https à vous ; elle reçoit connection_id et status dans sa requête.
console-form-save = Enregistrer
console-created-title = Invitation envoyée
console-created-sent = Le lien est en route vers { $email }.
console-created-intro = Quand l’invité aura terminé, la connexion « { $connection } » apparaîtra dans votre compte.
console-created-link = Lien pour configurer { $connector }
console-copy = Copier
console-copied = Copié
console-created-once = Le lien n’est affiché que cette fois : seul son hachage est conservé.
console-created-another = Créer une autre invitation
console-users-title = Équipe
console-users-role = Rôle
console-users-status = Statut
console-users-pending = invité, pas encore de mot de passe
console-users-active = actif
console-users-invite = Inviter un membre de l’équipe
console-users-invite-submit = Envoyer l’invitation
console-users-invited = { $email } est invité : un lien pour choisir un mot de passe est en route (valable une heure).
console-mail-invite-subject = Votre accès à la console Portico
console-mail-invite-body =
    Vous avez reçu un accès à la console Portico.

    Choisissez votre mot de passe ici (le lien sert une fois, pendant une heure) :
    { $url }
console-mail-reset-subject = Choisir un nouveau mot de passe Portico
console-mail-reset-body =
    Quelqu’un a demandé à réinitialiser le mot de passe de votre utilisateur de la console Portico. Si c’était vous, choisissez-en un nouveau ici (le lien sert une fois, pendant une heure) :
    { $url }

    Sinon, ignorez cet e-mail : votre mot de passe reste inchangé.
