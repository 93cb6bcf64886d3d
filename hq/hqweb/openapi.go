package hqweb

import _ "embed"

// openapiJSON is the pull and push API's OpenAPI 3 document, served at
// /openapi.json; the tests validate real answers against it.
//
//go:embed openapi.json
var openapiJSON []byte
