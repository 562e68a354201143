# MongoDB's one-shot renderer (the mongodb-secrets service): reads the root
# credentials the stock mongo image initialises its database with.
path "secret/data/app/mongodb" {
  capabilities = ["read"]
}
