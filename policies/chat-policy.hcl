# chat service: rooms and messages.
# Reads its own settings and the credentials of its database.

path "secret/data/chat" {
  capabilities = ["read"]
}

path "secret/data/chat_db" {
  capabilities = ["read"]
}
