# console_branding: the console pages of src/http/console (issue 13).
console-brand-title = Marca
console-brand-intro = Lo que ven tus invitados en la página de configuración y en los correos: tu nombre, tu logotipo y tu color.
console-brand-preview = Vista previa
console-brand-logo-alt = Tu logotipo
console-brand-display-name = Nombre visible
console-brand-display-name-help = Los invitados leen «{"{"}name{"}"} te pide que conectes …». Déjalo vacío para quitarlo.
console-brand-primary-color = Color principal
console-brand-primary-color-help = En formato #rrggbb, para los botones y enlaces de las páginas de invitado. Déjalo vacío para quitarlo.
console-brand-logo = Logotipo
console-brand-logo-help = Una imagen PNG o JPEG de 256 KiB como máximo. Sin archivo se mantiene el actual.
console-brand-remove-logo = Quitar el logotipo
console-brand-save = Guardar
console-brand-saved = La marca está guardada. Las páginas de invitado y los correos la muestran desde ahora.
console-brand-display-name-invalid = Usa de 1 a 100 caracteres, sin saltos de línea.
console-brand-primary-color-invalid = Escribe el color en formato #rrggbb, por ejemplo #0a7d5a.
console-brand-logo-invalid = Elige una imagen PNG o JPEG de { $kib } KiB como máximo.
