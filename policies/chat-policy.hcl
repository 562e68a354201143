# chat service: rooms and messages.
# Reads its own settings and the credentials of its database.

path "secret/data/chat" {
  capabilities = ["read"]
}

path "secret/data/chat_db" {
  capabilities = ["read"]
}

# Short-lived database users (database/creds), and encryption of messages.
path "database/creds/chat-app" {
  capabilities = ["read"]
}

path "transit/encrypt/chat-messages" {
  capabilities = ["update"]
}

path "transit/decrypt/chat-messages" {
  capabilities = ["update"]
}
