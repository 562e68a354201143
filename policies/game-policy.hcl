# game service: matches and scores.
# Reads its own settings and the credentials of its database.

path "secret/data/game" {
  capabilities = ["read"]
}

path "secret/data/game_db" {
  capabilities = ["read"]
}

# Short-lived database users (database/creds).
path "database/creds/game-app" {
  capabilities = ["read"]
}
