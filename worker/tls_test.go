package worker

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/config"
)

// issue makes a certificate signed by parent (self-signed when nil) and
// writes it and its key as PEM files.
func issue(t *testing.T, dir, name string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, ca bool) (*x509.Certificate, *ecdsa.PrivateKey, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"temporal.test"},
		IsCA: ca, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	kb, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600))
	return cert, key, certFile, keyFile
}

// TestTLSConfig: the client certificate, CA and server name configured
// through envconfig's variables (and, for one release, rightsdesk's old
// ones) make a connection that completes an mTLS handshake with a server
// that demands client certificates from that CA; without the certificate
// the server refuses it. Nothing configured means a plain connection.
func TestTLSConfig(t *testing.T) {
	dir := t.TempDir()
	ca, caKey, caFile, _ := issue(t, dir, "ca", nil, nil, true)
	_, _, serverCert, serverKey := issue(t, dir, "server", ca, caKey, false)
	_, _, clientCert, clientKey := issue(t, dir, "client", ca, caKey, false)

	pool := x509.NewCertPool()
	pool.AddCert(ca)
	sc, err := tls.LoadX509KeyPair(serverCert, serverKey)
	require.NoError(t, err)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{sc}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool})
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _ = c.(*tls.Conn).Handshake(); _, _ = c.Write([]byte("ok")); c.Close() }()
		}
	}()
	handshake := func(conf *tls.Config) error {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ln.Addr().String(), conf)
		if err != nil {
			return err
		}
		defer c.Close()
		buf := make([]byte, 2)
		_, err = c.Read(buf)
		return err
	}

	for _, v := range []string{"TEMPORAL_API_KEY", "TEMPORAL_TLS", "TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_KEY_PATH",
		"TEMPORAL_TLS_SERVER_CA_CERT_PATH", "TEMPORAL_TLS_SERVER_NAME", "TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY", "TEMPORAL_TLS_CA",
		"TEMPORAL_CONFIG_FILE", "TEMPORAL_PROFILE"} {
		t.Setenv(v, "")
	}
	t.Setenv("HOME", dir) // no Temporal CLI profile file of this machine's user
	t.Setenv("XDG_CONFIG_HOME", dir)
	tlsOf := func(env map[string]string) (*tls.Config, error) {
		for k, v := range env {
			t.Setenv(k, v)
		}
		defer func() {
			for k := range env {
				t.Setenv(k, "")
			}
		}()
		cfg, err := config.Load()
		if err != nil {
			return nil, err
		}
		o, err := cfg.TemporalClientOptions()
		return o.ConnectionOptions.TLS, err
	}

	conf, err := tlsOf(map[string]string{"TEMPORAL_TLS_CLIENT_CERT_PATH": clientCert, "TEMPORAL_TLS_CLIENT_KEY_PATH": clientKey,
		"TEMPORAL_TLS_SERVER_CA_CERT_PATH": caFile, "TEMPORAL_TLS_SERVER_NAME": "temporal.test"})
	require.NoError(t, err)
	require.NoError(t, handshake(conf), "mTLS with the configured certificate")
	old, err := tlsOf(map[string]string{"TEMPORAL_TLS_CERT": clientCert, "TEMPORAL_TLS_KEY": clientKey,
		"TEMPORAL_TLS_CA": caFile, "TEMPORAL_TLS_SERVER_NAME": "temporal.test"})
	require.NoError(t, err)
	require.NoError(t, handshake(old), "mTLS with the certificate under the old names")
	noCert, err := tlsOf(map[string]string{"TEMPORAL_TLS_SERVER_CA_CERT_PATH": caFile, "TEMPORAL_TLS_SERVER_NAME": "temporal.test", "TEMPORAL_API_KEY": "k"})
	require.NoError(t, err)
	require.Error(t, handshake(noCert), "the server wants a client certificate")

	none, err := tlsOf(nil)
	require.NoError(t, err)
	require.Nil(t, none, "nothing configured: plain, as the dev server")
	apiKey, err := tlsOf(map[string]string{"TEMPORAL_API_KEY": "k"})
	require.NoError(t, err)
	require.NotNil(t, apiKey, "an API key implies TLS")
	_, err = tlsOf(map[string]string{"TEMPORAL_TLS_CLIENT_CERT_PATH": clientCert, "TEMPORAL_TLS_CLIENT_KEY_PATH": filepath.Join(dir, "missing.key")})
	require.Error(t, err)
	_, err = tlsOf(map[string]string{"TEMPORAL_TLS_SERVER_CA_CERT_PATH": clientKey})
	require.ErrorContains(t, err, "CA")
}
