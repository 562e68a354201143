# user service: profiles and accounts.
# Reads its own settings and the credentials of its database.

path "secret/data/user" {
  capabilities = ["read"]
}

path "secret/data/user_db" {
  capabilities = ["read"]
}
