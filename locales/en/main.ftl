# Guest pages and emails. Every message exists in en, de, fr, it and es.

language-name = English
language-switch = Language
skip-to-content = Skip to content
footer = Secure connection setup by Portico. Only this setup is open to you through this link.
cancel = Cancel

not-found-title = This link does not exist
not-found-body = Check that you copied the whole link from the message you received, or ask its sender for a new one.

gone-title = This link can no longer be used
gone-expired = The link has expired.
gone-revoked = The sender has withdrawn the link.
gone-fulfilled = The link has already been used.
gone-body = Ask the sender for a new link if you still need to connect.
connection-gone-title = This connection no longer exists
connection-gone-body = The connection this link was for has been deleted, so nothing was changed. Ask the sender for a new link if you still need to connect.

forbidden-title = This request was refused
forbidden-body = The form was too old or did not come from this page. Go back, reload the page and try again.

too-many-title = Too many requests
too-many-body = Please wait a minute, then try again.

error-title = Something went wrong
error-body = Please try again in a moment. If it keeps happening, tell the sender of the link.

session-title = Your session has ended
session-body = For your security, a session lasts one hour. Open the link from your message again to continue.

locked-title = This step is locked for now
locked-form = There were too many unsuccessful attempts with this link. For your security, the form is locked for an hour.
locked-email = Too many wrong codes were entered for this link. For your security, the email confirmation is locked for an hour.
locked-retry = { $minutes ->
    [one] Please try again in one minute.
   *[other] Please try again in { $minutes } minutes.
}

email-title = Confirm your email address
email-intro = This link may only be used by invited people. Enter your email address and we will send you a code.
email-label = Email address
email-submit = Send me a code
email-invalid = Enter a valid email address.

code-title = Enter your code
code-intro = If { $email } may use this link, we have sent a { $digits }-digit code to it. The code is valid for 10 minutes.
code-label = Code
code-submit = Confirm
code-resend = Send a new code
code-other-email = Use another address
code-wrong = { $left ->
    [0] This code is not right. No tries are left: ask for a new code.
    [one] This code is not right. One try left.
   *[other] This code is not right. { $left } tries left.
}
code-expired = This code has expired. Ask for a new one.
code-locked = Too many wrong tries. Ask for a new code.
code-missing = Ask for a code first.
code-resend-wait = A code was sent less than a minute ago. Please wait before asking for another one.
code-too-many = Several codes were already asked for this address on this link within the hour. Please wait up to an hour before asking for another one.

pick-title = Choose your { $category } system
pick-intro = Select the tool your organization uses; you will then enter its connection details.
pick-label = Tool
pick-submit = Continue
pick-missing = Choose one of the tools.

form-title-create = Connect { $connector }
form-title-edit = Update the { $connector } credentials
form-intro = You are setting up the connection “{ $connection }”. Only the details below are shared.
form-intro-edit = You are updating the connection “{ $connection }”. Only the details below are shared.
form-submit = Connect
form-submit-edit = Save
form-required = required
form-locked = Set by the sender; cannot be changed.
form-secret = This value is stored encrypted and never shown again.
form-errors = Please correct the following:
form-secret-again = For your security it was not kept: enter it again.
form-error-item = { $label }: { $message }
check-failed-wrong-credentials = { $connector } did not accept these credentials. Check the user name, the password or key, and the database or account they are for.
check-failed-unreachable = Portico could not reach { $connector } at the address given. Check the host and the port, and that the server accepts connections from Portico.
check-failed-timed-out = { $connector } did not answer in time. Check the host and the port, then try again.
check-failed-tls = A secure connection (TLS) to { $connector } could not be set up as the settings require. Check the SSL mode and the server's certificate.
check-failed-refused = This address is not reachable from Portico.
check-failed-unexpected = { $connector } answered in an unexpected way. Check the details you entered, then try again.
check-failed-busy = Portico is busy checking other connections. Please try again in a moment.

field-error-unknown = This is not a field of this form.
field-error-required = This field is required.
field-error-not_text = Enter text.
field-error-not_integer = Enter a whole number.
field-error-not_boolean = Choose yes or no.
field-error-not_an_option = Choose one of the options.
field-error-contains_nul = This contains characters that are not allowed.
field-error-pattern_mismatch = This does not have the expected format.
field-error-length = Enter between { $min } and { $max } characters.
field-error-range = Enter a number between { $min } and { $max }.
field-error-unreachable-address = This address is not reachable from Portico.
field-error-locked = This value is set by the sender and cannot be changed.
field-error-broken_spec = This field cannot be checked right now.

done-title = All set
done-body = The connection “{ $connection }” is ready. You can close this page.

mail-code-subject = Your confirmation code
mail-code-body = Your confirmation code is { $code }. It is valid for 10 minutes. If you did not ask for it, you can ignore this message.
mail-code-context = You asked for it to set up the connection “{ $connection }”.
mail-invitation-subject = You are invited to connect { $connector }
mail-invitation-body = You have been invited to set up the connection “{ $connection }”. Open this link to continue: { $url }
mail-invitation-expiry = The link is valid until { $expires }.
renewal-submit = Ask for a new link
renewal-sent-title = Thank you
renewal-sent-body = If the sender still wants this connection, they will send you a new link.

# Branding: the account's display name on guest pages and emails.
brand-asks = { $name } asks you to connect { $connector }
brand-asks-edit = { $name } asks you to reconnect { $connector }
