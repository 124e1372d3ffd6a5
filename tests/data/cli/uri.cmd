uri
