# Páginas de invitado y correos. Cada mensaje existe en en, de, fr, it y es.

language-name = Español
language-switch = Idioma
skip-to-content = Ir al contenido
footer = Configuración segura de la conexión por Portico. Este enlace solo le da acceso a esta configuración.
cancel = Cancelar

not-found-title = Este enlace no existe
not-found-body = Compruebe que ha copiado el enlace completo del mensaje que recibió o pida uno nuevo a su remitente.

gone-title = Este enlace ya no se puede usar
gone-expired = El enlace ha caducado.
gone-revoked = El remitente ha retirado el enlace.
gone-fulfilled = El enlace ya se ha utilizado.
gone-body = Si todavía necesita configurar la conexión, pida un nuevo enlace al remitente.
connection-gone-title = Esta conexión ya no existe
connection-gone-body = La conexión a la que estaba destinado este enlace se ha eliminado, así que no se ha cambiado nada. Pida un nuevo enlace al remitente si todavía necesita conectarse.

forbidden-title = Se ha rechazado esta solicitud
forbidden-body = El formulario era demasiado antiguo o no procedía de esta página. Vuelva atrás, recargue la página e inténtelo de nuevo.

too-many-title = Demasiadas solicitudes
too-many-body = Espere un minuto y vuelva a intentarlo.

error-title = Algo ha salido mal
error-body = Vuelva a intentarlo en un momento. Si el problema continúa, avise al remitente del enlace.

session-title = Su sesión ha finalizado
session-body = Por su seguridad, cada sesión dura una hora. Para continuar, vuelva a abrir el enlace de su mensaje.

locked-title = Este paso está bloqueado por ahora
locked-form = Ha habido demasiados intentos fallidos con este enlace. Por su seguridad, el formulario está bloqueado durante una hora.
locked-email = Se han introducido demasiados códigos incorrectos para este enlace. Por su seguridad, la confirmación por correo electrónico está bloqueada durante una hora.
locked-retry = { $minutes ->
    [one] Vuelva a intentarlo dentro de un minuto.
   *[other] Vuelva a intentarlo dentro de { $minutes } minutos.
}

email-title = Confirme su dirección de correo electrónico
email-intro = Este enlace solo pueden usarlo las personas invitadas. Introduzca su dirección de correo electrónico y le enviaremos un código.
email-label = Dirección de correo electrónico
email-submit = Enviarme un código
email-invalid = Introduzca una dirección de correo electrónico válida.

code-title = Introduzca su código
code-intro = Si la dirección { $email } está autorizada para usar este enlace, le hemos enviado un código de { $digits } dígitos a esa dirección. El código es válido durante 10 minutos.
code-label = Código
code-submit = Confirmar
code-resend = Enviar un código nuevo
code-other-email = Usar otra dirección
code-wrong = { $left ->
    [0] Este código no es correcto. No le quedan intentos: solicite un código nuevo.
    [one] Este código no es correcto. Le queda un intento.
   *[other] Este código no es correcto. Le quedan { $left } intentos.
}
code-expired = Este código ha caducado. Solicite uno nuevo.
code-locked = Demasiados intentos fallidos. Solicite un código nuevo.
code-missing = Primero solicite un código.
code-resend-wait = Se envió un código hace menos de un minuto. Espere antes de solicitar otro.
code-too-many = Ya se han solicitado varios códigos para esta dirección con este enlace en la última hora. Espere hasta una hora antes de solicitar otro.

pick-title = Elija su sistema { $category }
pick-intro = Seleccione la herramienta que usa su organización; después introducirá sus datos de conexión.
pick-label = Herramienta
pick-submit = Continuar
pick-missing = Elija una de las herramientas.

form-title-create = Conectar { $connector }
form-title-edit = Actualizar las credenciales de { $connector }
form-intro = Está configurando la conexión «{ $connection }». Solo se comparten los datos que aparecen a continuación.
form-intro-edit = Está actualizando la conexión «{ $connection }». Solo se comparten los datos que aparecen a continuación.
form-submit = Conectar
form-submit-edit = Guardar
form-required = obligatorio
form-locked = Establecido por el remitente; no se puede cambiar.
form-secret = Este valor se guarda cifrado y no se vuelve a mostrar.
form-errors = Corrija lo siguiente:
form-secret-again = Por su seguridad, este valor no se ha conservado: vuelva a introducirlo.
form-error-item = { $label }: { $message }
check-failed-wrong-credentials = { $connector } no ha aceptado estas credenciales. Compruebe el usuario, la contraseña o la clave, y la base de datos o la cuenta indicadas.
check-failed-unreachable = Portico no ha podido llegar a { $connector } en la dirección indicada. Compruebe el host y el puerto, y que el servidor acepte conexiones de Portico.
check-failed-timed-out = { $connector } no ha respondido a tiempo. Compruebe el host y el puerto y vuelva a intentarlo.
check-failed-tls = No se ha podido establecer una conexión segura (TLS) con { $connector } como exige la configuración. Compruebe el modo SSL y el certificado del servidor.
check-failed-refused = Esta dirección no es accesible desde Portico.
check-failed-unexpected = { $connector } ha respondido de forma inesperada. Compruebe los datos introducidos y vuelva a intentarlo.
check-failed-busy = Portico está comprobando otras conexiones. Vuelva a intentarlo en un momento.

field-error-unknown = Este campo no pertenece a este formulario.
field-error-required = Este campo es obligatorio.
field-error-not_text = Introduzca texto.
field-error-not_integer = Introduzca un número entero.
field-error-not_boolean = Elija sí o no.
field-error-not_an_option = Elija una de las opciones.
field-error-contains_nul = El valor contiene caracteres no permitidos.
field-error-pattern_mismatch = El valor no tiene el formato esperado.
field-error-length = Introduzca entre { $min } y { $max } caracteres.
field-error-range = Introduzca un número entre { $min } y { $max }.
field-error-unreachable-address = Esta dirección no es accesible desde Portico.
field-error-locked = Este valor lo ha establecido el remitente y no se puede cambiar.
field-error-broken_spec = En este momento no se puede comprobar este campo.

done-title = Todo listo
done-body = La conexión «{ $connection }» está lista. Puede cerrar esta página.

mail-code-subject = Su código de confirmación
mail-code-body = Su código de confirmación es { $code }. Es válido durante 10 minutos. Si no lo ha solicitado, puede ignorar este mensaje.
mail-code-context = Lo ha solicitado para configurar la conexión «{ $connection }».
mail-invitation-subject = Invitación para conectar { $connector }
mail-invitation-body = Ha recibido una invitación para configurar la conexión «{ $connection }». Abra este enlace para continuar: { $url }
mail-invitation-expiry = El enlace es válido hasta el { $expires }.
renewal-submit = Pedir un nuevo enlace
renewal-sent-title = Gracias
renewal-sent-body = Si el remitente todavía quiere esta conexión, le enviará un nuevo enlace.

# Branding: the account's display name on guest pages and emails.
brand-asks = { $name } le pide que conecte { $connector }
brand-asks-edit = { $name } le pide que vuelva a conectar { $connector }
