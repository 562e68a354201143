# API gateway: terminates client requests and routes them to the services.
# Reads its own settings and the auth service's settings, because it verifies
# the JWTs that the auth service signs before forwarding a request.
# It never reads a database credential.

path "secret/data/gateway" {
  capabilities = ["read"]
}

path "secret/data/auth" {
  capabilities = ["read"]
}

# TLS certificates for *.svc.internal from the internal CA.
path "pki/issue/service" {
  capabilities = ["update"]
}
