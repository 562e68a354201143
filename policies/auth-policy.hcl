# auth service: issues and verifies login tokens.
# Reads only its own settings (JWT signing key, OAuth client).

path "secret/data/auth" {
  capabilities = ["read"]
}
