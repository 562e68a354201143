# notification service: e-mail and in-app notifications.
# Reads its own settings (SMTP account) and the credentials of its database.

path "secret/data/notification" {
  capabilities = ["read"]
}

path "secret/data/notification_db" {
  capabilities = ["read"]
}

# Short-lived database users (database/creds).
path "database/creds/notification-app" {
  capabilities = ["read"]
}
