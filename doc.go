// Package jwt signs and verifies JSON Web Tokens.
package jwt
