# console_branding: the console pages of src/http/console (issue 13).
console-brand-title = Branding
console-brand-intro = What your guests see on the setup page and in the emails: your name, your logo and your colour.
console-brand-preview = Preview
console-brand-logo-alt = Your logo
console-brand-display-name = Display name
console-brand-display-name-help = Guests read “{"{"}name{"}"} asks you to connect …”. Leave it empty to remove it.
console-brand-primary-color = Primary colour
console-brand-primary-color-help = As #rrggbb, for the buttons and links of guest pages. Leave it empty to remove it.
console-brand-logo = Logo
console-brand-logo-help = A PNG or JPEG image of at most 256 KiB. Choose no file to keep the current one.
console-brand-remove-logo = Remove the logo
console-brand-save = Save
console-brand-saved = The branding is saved. Guest pages and emails show it from now on.
console-brand-display-name-invalid = Use 1 to 100 characters, without line breaks.
console-brand-primary-color-invalid = Write the colour as #rrggbb, for example #0a7d5a.
console-brand-logo-invalid = Choose a PNG or JPEG image of at most { $kib } KiB.
