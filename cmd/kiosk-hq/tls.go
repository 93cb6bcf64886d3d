package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// withClientCA asks every client for a certificate signed by the CA in
// file: mutual TLS between the lanes and HQ.
func withClientCA(cfg *tls.Config, file string) (*tls.Config, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--client-ca %s: no PEM certificate in it", file)
	}
	cfg.ClientCAs = pool
	cfg.ClientAuth = tls.RequireAndVerifyClientCert
	return cfg, nil
}
