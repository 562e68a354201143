# Grafana (monitoring): admin account and cookie-signing key.

path "secret/data/grafana" {
  capabilities = ["read"]
}
