auto_auth { method "token_file" {} }
template { destination = "/secrets/db" }
