# The owner's console (src/http/console).

console-nav-label = Consola
console-nav-home = Resumen
console-nav-new = Nueva invitación
console-nav-users = Equipo
console-sign-out = Cerrar sesión
console-footer = Consola de Portico. Los invitados solo ven la página de configuración de su enlace.
console-role-owner = propietario
console-role-member = miembro
console-login-title = Iniciar sesión
console-email = Correo electrónico
console-password = Contraseña
console-sign-in = Iniciar sesión
console-forgot-link = ¿Olvidó su contraseña?
console-login-wrong = El correo electrónico o la contraseña no son correctos.
console-login-locked =
    Demasiadas contraseñas incorrectas. El inicio de sesión está bloqueado; inténtelo de nuevo en { $minutes ->
        [one] un minuto
       *[other] { $minutes } minutos
    }.
console-password-done = Su contraseña está establecida. Inicie sesión ahora.
console-forgot-sent = Si esa dirección pertenece a un usuario, va de camino un enlace para elegir una nueva contraseña. Vale una hora.
console-forgot-title = Elegir una nueva contraseña
console-forgot-intro = Introduzca su correo electrónico y le enviaremos un enlace para elegir una nueva contraseña.
console-forgot-submit = Enviar el enlace
console-setup-title = Crear el primer propietario
console-setup-intro = Este enlace le convierte en propietario de esta cuenta de Portico. Elija su correo electrónico y una contraseña.
console-password-title = Elija su contraseña
console-password-intro = Elija una contraseña para la consola de Portico.
console-reset-title = Elegir una nueva contraseña
console-password-for = Para { $email }
console-new-password = Nueva contraseña
console-password-rule = Al menos 12 caracteres.
console-confirm-password = La misma contraseña otra vez
console-password-submit = Establecer la contraseña
console-password-mismatch = Las dos contraseñas no coinciden.
console-password-short = La contraseña necesita al menos 12 caracteres.
console-email-invalid = Introduzca un correo electrónico válido.
console-email-taken = Un usuario de la consola ya tiene este correo electrónico.
console-link-gone-title = Este enlace ya no funciona
console-link-gone-body = Ya se usó, o su hora ha pasado. Pida uno nuevo en la página de inicio de sesión.
console-forbidden-title = No permitido
console-forbidden-body = Su rol no lo permite, o el formulario estaba caducado. Vuelva atrás, recargue la página e inténtelo de nuevo.
console-not-found-title = No encontrado
console-not-found-body = Esa página no existe en su cuenta.
console-error-body = Inténtelo de nuevo en un momento. Si vuelve a ocurrir, el registro del servidor tiene el id de la solicitud.
console-home-title = Resumen
console-home-intro = Invite a un cliente a configurar un origen o un destino: recibe un enlace a una página de configuración y nada más de su cuenta.
console-new-title = Nueva invitación
console-direction-intro = ¿Qué debe configurar su invitado?
console-direction-source = Origen
console-direction-source-help = De dónde vienen los datos: una herramienta de RR. HH., una base de datos, una API.
console-direction-destination = Destino
console-direction-destination-help = A dónde van los datos: una base de datos o un almacén.
console-pick-source = Elija el origen
console-pick-destination = Elija el destino
console-pick-search = Buscar conectores
console-pick-search-submit = Buscar
console-pick-categories = Categorías
console-pick-all = Todas
console-pick-none = Ningún conector coincide.
console-pick-back = Conectores
console-mode-title = Configurar { $connector }
console-mode-intro = Quien lo configure introducirá:
console-mode-guest = Crear con un usuario temporal
console-mode-guest-help = Enviar un enlace por correo: su cliente introduce las credenciales en una página y no ve nada más.
console-mode-api = Para introducir usted mismo las credenciales, cree la conexión con la API (POST /v1/connections).
console-form-title = Invitar a un invitado a configurar { $connector }
console-form-intro = Introduzca el correo electrónico y el nombre de la nueva conexión y guarde: el enlace sale por correo.
console-form-recipient = Correo electrónico del destinatario
console-form-recipient-help = El enlace se envía aquí. Cualquiera con el enlace puede usarlo, salvo que indique abajo correos permitidos.
console-form-name = Nombre de la nueva conexión
console-form-name-help = Se muestra a su invitado, y a usted en la lista de conexiones.
console-form-more = Más opciones
console-form-expiry = El enlace vale
console-expiry-day = 1 día
console-expiry-week = 7 días
console-expiry-month = 30 días
console-expiry-never = Hasta revocarlo
console-form-max-uses = Cuántas veces puede usarse
console-form-max-uses-help = Déjelo vacío para no poner límite.
console-form-allowed = Correos electrónicos permitidos
console-form-allowed-help = Uno por línea. Si se indican, el invitado demuestra uno con un código por correo; el destinatario siempre se incluye.
console-form-language = Idioma de la página del invitado y del correo
console-form-prefill = Campos prerrellenados
console-form-prefill-help = Valores que el invitado ve rellenados; uno bloqueado no puede cambiarse. Los campos secretos nunca se prerrellenan.
console-form-lock = Bloquear { $field }
console-form-redirect = Al terminar, enviar al invitado a
console-form-redirect-help = Una dirección https suya; recibe connection_id y status en su query.
console-form-save = Guardar
console-created-title = Invitación enviada
console-created-sent = El enlace va de camino a { $email }.
console-created-intro = Cuando el invitado lo complete, la conexión «{ $connection }» aparecerá en su cuenta.
console-created-link = Enlace para configurar { $connector }
console-copy = Copiar
console-copied = Copiado
console-created-once = El enlace solo se muestra esta vez: solo se guarda su hash.
console-created-another = Crear otra invitación
console-users-title = Equipo
console-users-role = Rol
console-users-status = Estado
console-users-pending = invitado, aún sin contraseña
console-users-active = activo
console-users-invite = Invitar a un miembro del equipo
console-users-invite-submit = Enviar la invitación
console-users-invited = { $email } está invitado: va de camino un enlace para elegir contraseña (válido una hora).
console-mail-invite-subject = Su acceso a la consola de Portico
console-mail-invite-body =
    Se le ha dado acceso a la consola de Portico.

    Elija aquí su contraseña (el enlace sirve una vez, durante una hora):
    { $url }
console-mail-reset-subject = Elegir una nueva contraseña de Portico
console-mail-reset-body =
    Alguien pidió restablecer la contraseña de su usuario de la consola de Portico. Si fue usted, elija una nueva aquí (el enlace sirve una vez, durante una hora):
    { $url }

    Si no fue usted, ignore este correo: su contraseña sigue igual.
