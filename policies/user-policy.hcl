# user service: profiles and accounts.
# Reads its own settings and the credentials of its database.

path "secret/data/user" {
  capabilities = ["read"]
}

path "secret/data/user_db" {
  capabilities = ["read"]
}

# Short-lived database users (database/creds), and encryption of personal data.
path "database/creds/user-app" {
  capabilities = ["read"]
}

path "transit/encrypt/user-pii" {
  capabilities = ["update"]
}

path "transit/decrypt/user-pii" {
  capabilities = ["update"]
}
