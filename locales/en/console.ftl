# The owner's console (src/http/console).

console-nav-label = Console
console-nav-home = Overview
console-nav-new = New invitation
console-nav-users = Team
console-sign-out = Sign out
console-footer = Portico console. Guests you invite only ever see the setup page of their link.
console-role-owner = owner
console-role-member = member
console-login-title = Sign in
console-email = Email address
console-password = Password
console-sign-in = Sign in
console-forgot-link = Forgot your password?
console-login-wrong = The email address or the password is not right.
console-login-locked =
    Too many wrong passwords. Sign-in for this user is locked; try again in { $minutes ->
        [one] one minute
       *[other] { $minutes } minutes
    }.
console-password-done = Your password is set. Sign in with it now.
console-forgot-sent = If that address belongs to a user, a link to choose a new password is on its way. It works for one hour.
console-forgot-title = Choose a new password
console-forgot-intro = Enter your email address and we will send you a link to choose a new password.
console-forgot-submit = Send the link
console-setup-title = Create the first owner
console-setup-intro = This link makes you the owner of this Portico account. Choose your email address and a password.
console-password-title = Choose your password
console-password-intro = Choose a password for the Portico console.
console-reset-title = Choose a new password
console-password-for = For { $email }
console-new-password = New password
console-password-rule = At least 12 characters.
console-confirm-password = The same password again
console-password-submit = Set the password
console-password-mismatch = The two passwords are not the same.
console-password-short = The password needs at least 12 characters.
console-email-invalid = Enter a valid email address.
console-email-taken = A console user already has this email address.
console-link-gone-title = This link no longer works
console-link-gone-body = It was used already, or its hour is over. Ask for a new one from the sign-in page.
console-forbidden-title = Not allowed
console-forbidden-body = Your role does not allow this, or the form was out of date. Go back, reload the page and try again.
console-not-found-title = Not found
console-not-found-body = There is no such page in your account.
console-error-body = Please try again in a moment. If it keeps happening, the server log has the request id.
console-home-title = Overview
console-home-intro = Invite a customer to set up a source or destination: they get one link to one setup page, and nothing else of your account.
console-new-title = New invitation
console-direction-intro = What should your guest set up?
console-direction-source = Source
console-direction-source-help = Where data comes from: an HR tool, a database, an API.
console-direction-destination = Destination
console-direction-destination-help = Where data goes: a database or a warehouse.
console-pick-source = Choose the source
console-pick-destination = Choose the destination
console-pick-search = Search connectors
console-pick-search-submit = Search
console-pick-categories = Categories
console-pick-all = All
console-pick-none = No connector matches.
console-pick-back = Connectors
console-mode-title = Set up { $connector }
console-mode-intro = The person who sets it up will enter:
console-mode-guest = Create with a temporary user
console-mode-guest-help = Send a link by email: your customer enters the credentials on one page and sees nothing else.
console-mode-api = To enter the credentials yourself, create the connection through the API (POST /v1/connections).
console-form-title = Invite a guest to set up { $connector }
console-form-intro = Enter the email address and the name of the new connection, then Save: the link goes out by email.
console-form-recipient = Recipient’s email address
console-form-recipient-help = The link is sent here. Anyone holding the link can use it, unless you list allowed emails below.
console-form-name = Name of the new connection
console-form-name-help = Shown to your guest, and to you in the list of connections.
console-form-more = More options
console-form-expiry = The link works for
console-expiry-day = 1 day
console-expiry-week = 7 days
console-expiry-month = 30 days
console-expiry-never = Until revoked
console-form-max-uses = How many times it can be used
console-form-max-uses-help = Leave empty for no limit.
console-form-allowed = Allowed email addresses
console-form-allowed-help = One per line. When set, the guest proves one of them with a code by email; the recipient is always included.
console-form-language = Language of the guest’s page and email
console-form-prefill = Pre-filled fields
console-form-prefill-help = Values the guest sees filled in; a locked one cannot be changed. Secret fields are never pre-filled.
console-form-lock = Lock { $field }
console-form-redirect = After completion, send the guest to
console-form-redirect-help = An https address of yours; it gets connection_id and status in its query.
console-form-save = Save
console-created-title = Invitation sent
console-created-sent = The link is on its way to { $email }.
console-created-intro = When the guest completes it, the connection “{ $connection }” appears in your account.
console-created-link = Link to set up { $connector }
console-copy = Copy
console-copied = Copied
console-created-once = This is the only time the link is shown: only its hash is kept.
console-created-another = Create another invitation
console-users-title = Team
console-users-role = Role
console-users-status = Status
console-users-pending = invited, no password yet
console-users-active = active
console-users-invite = Invite a teammate
console-users-invite-submit = Send the invitation
console-users-invited = { $email } is invited: a link to choose a password is on its way (valid for one hour).
console-mail-invite-subject = Your access to the Portico console
console-mail-invite-body =
    You have been given access to the Portico console.

    Choose your password here (the link works once, for one hour):
    { $url }
console-mail-reset-subject = Choose a new Portico password
console-mail-reset-body =
    Someone asked to reset the password of your Portico console user. If it was you, choose a new one here (the link works once, for one hour):
    { $url }

    If it was not you, ignore this email: your password stays as it is.
