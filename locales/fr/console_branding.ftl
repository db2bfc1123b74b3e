# console_branding: the console pages of src/http/console (issue 13).
console-brand-title = Image de marque
console-brand-intro = Ce que vos invités voient sur la page de configuration et dans les e-mails : votre nom, votre logo et votre couleur.
console-brand-preview = Aperçu
console-brand-logo-alt = Votre logo
console-brand-display-name = Nom affiché
console-brand-display-name-help = Les invités lisent « {"{"}name{"}"} vous demande de connecter … ». Laissez vide pour le retirer.
console-brand-primary-color = Couleur principale
console-brand-primary-color-help = Au format #rrggbb, pour les boutons et les liens des pages invité. Laissez vide pour la retirer.
console-brand-logo = Logo
console-brand-logo-help = Une image PNG ou JPEG de 256 Kio au plus. Sans fichier, le logo actuel reste.
console-brand-remove-logo = Retirer le logo
console-brand-save = Enregistrer
console-brand-saved = L’image de marque est enregistrée. Les pages invité et les e-mails l’affichent désormais.
console-brand-display-name-invalid = Utilisez de 1 à 100 caractères, sans retour à la ligne.
console-brand-primary-color-invalid = Écrivez la couleur au format #rrggbb, par exemple #0a7d5a.
console-brand-logo-invalid = Choisissez une image PNG ou JPEG de { $kib } Kio au plus.
