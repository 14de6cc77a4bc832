package dev.berth.cri.registry;

import dev.berth.core.errdefs.BerthException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/** The TLS contexts behind a host's {@code skip_verify}, {@code ca_file}, {@code cert_file} and {@code key_file} settings. */
final class TlsContexts {
    private TlsContexts() {
    }

    /**
     * A context that trusts what the JDK trusts plus the certificates in {@code caFile} (if not empty), or anything
     * at all (certificate and host name unchecked) when {@code skipVerify}.
     *
     * @throws BerthException INVALID_ARGUMENT when the CA file cannot be read or holds no certificate
     */
    static SSLContext create(boolean skipVerify, String caFile) {
        return create(skipVerify, caFile, "", "");
    }

    /**
     * As {@link #create(boolean, String)}, and when {@code certFile} and {@code keyFile} are set the handshake
     * presents that client certificate chain (mutual TLS).
     *
     * @throws BerthException INVALID_ARGUMENT when only one of cert/key is set, or a file cannot be read, holds no
     *                        certificate or key, or the key does not match the certificate
     */
    static SSLContext create(boolean skipVerify, String caFile, String certFile, String keyFile) {
        boolean hasCert = certFile != null && !certFile.isEmpty();
        boolean hasKey = keyFile != null && !keyFile.isEmpty();
        if (hasCert != hasKey) {
            throw hasCert
                    ? BerthException.invalidArgument("registry key_file: cert_file %s is set without key_file; set both or neither", certFile)
                    : BerthException.invalidArgument("registry cert_file: key_file %s is set without cert_file; set both or neither", keyFile);
        }
        try {
            KeyManager[] km = hasCert ? new KeyManager[] {clientKey(Path.of(certFile), Path.of(keyFile))} : null;
            TrustManager tm;
            if (skipVerify) {
                tm = new TrustAll();
            } else if (caFile != null && !caFile.isEmpty()) {
                tm = new Either(jdkDefault(), fromPem(Path.of(caFile)));
            } else {
                // never SSLContext.getDefault(): its one-time class initialisation reads the JDK trust store, and if
                // that fails (say no file descriptor is free at that moment) TLS stays broken for the life of the JVM
                tm = jdkDefault();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(km, new TrustManager[] {tm}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new BerthException(dev.berth.core.errdefs.ErrorKind.INTERNAL, "cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** A key manager holding the one client key and chain, in an in-memory PKCS12 store. */
    private static X509KeyManager clientKey(Path certFile, Path keyFile) throws GeneralSecurityException {
        X509Certificate[] chain = PemKeys.chain(certFile);
        PrivateKey key = PemKeys.privateKey(keyFile);
        PemKeys.checkPair(chain[0], key, certFile.toString(), keyFile.toString());
        char[] pass = "berth-client".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        ks.setKeyEntry("client", key, pass, chain);
        KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        f.init(ks, pass);
        for (KeyManager k : f.getKeyManagers()) {
            if (k instanceof X509KeyManager x) {
                return new AnyIssuer(x);
            }
        }
        throw new GeneralSecurityException("no X509KeyManager available");
    }

    /**
     * Offers the configured certificate even when the server's list of acceptable issuers does not name its CA
     * (as containerd and Go clients do); the key type must still fit.
     */
    private static final class AnyIssuer extends X509ExtendedKeyManager {
        private final X509KeyManager d;

        AnyIssuer(X509KeyManager d) {
            this.d = d;
        }

        private String choose(String[] keyType, java.util.function.Function<Principal[], String> pick, Principal[] issuers) {
            String alias = pick.apply(issuers);
            return alias != null || issuers == null ? alias : pick.apply(null);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return choose(keyType, i -> d.chooseClientAlias(keyType, i, socket), issuers);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return choose(keyType, i -> d instanceof X509ExtendedKeyManager x
                    ? x.chooseEngineClientAlias(keyType, i, engine) : d.chooseClientAlias(keyType, i, null), issuers);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return d.getClientAliases(keyType, issuers);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return d.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return d.getPrivateKey(alias);
        }
    }

    /**
     * A stand-in context for a client that only ever sends {@code http://} requests: building an
     * {@link java.net.http.HttpClient} wants a context, and a real one loads the JDK trust store and initialises
     * JSSE, ~0.3 s of a node's first pull from a plain-HTTP registry. Any use of it fails.
     */
    static SSLContext plainHttpOnly() {
        return new SSLContext(new NoTls(), null, "none") {
        };
    }

    /** The parameters handed to a client built with {@link #plainHttpOnly()}, so it never asks that context for defaults. */
    static SSLParameters plainHttpOnlyParameters() {
        return new SSLParameters();
    }

    private static final class NoTls extends SSLContextSpi {
        private static UnsupportedOperationException unsupported() {
            return new UnsupportedOperationException("TLS requested from the plain-HTTP registry client");
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) {
            throw unsupported();
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            throw unsupported();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            throw unsupported();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            throw unsupported();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            throw unsupported();
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            throw unsupported();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            throw unsupported();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return new SSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return new SSLParameters();
        }
    }

    private static X509TrustManager jdkDefault() throws GeneralSecurityException {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init((KeyStore) null);
        return first(f);
    }

    private static X509TrustManager fromPem(Path file) throws GeneralSecurityException {
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(file)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException | CertificateException e) {
            throw BerthException.invalidArgument("registry ca_file %s: cannot read certificates: %s", file, e.getMessage());
        }
        if (certs.isEmpty()) {
            throw BerthException.invalidArgument("registry ca_file %s: no certificate in it", file);
        }
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        int i = 0;
        for (Certificate c : certs) {
            ks.setCertificateEntry("ca-" + i++, c);
        }
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(ks);
        return first(f);
    }

    private static X509TrustManager first(TrustManagerFactory f) throws GeneralSecurityException {
        for (TrustManager t : f.getTrustManagers()) {
            if (t instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X509TrustManager available");
    }

    /** Accepts any chain; being an extended trust manager it also switches off the host-name check. */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** Trusts a chain that either manager trusts; host names are still checked by the TLS engine. */
    private static final class Either extends X509ExtendedTrustManager {
        private final List<X509TrustManager> managers;

        Either(X509TrustManager a, X509TrustManager b) {
            this.managers = List.of(a, b);
        }

        private interface Check {
            void run(X509TrustManager m) throws CertificateException;
        }

        private void any(Check check) throws CertificateException {
            CertificateException first = null;
            for (X509TrustManager m : managers) {
                try {
                    check.run(m);
                    return;
                } catch (CertificateException e) {
                    first = first == null ? e : first;
                }
            }
            throw first;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            any(m -> m.checkClientTrusted(chain, authType));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            any(m -> {
                if (m instanceof X509ExtendedTrustManager x) {
                    x.checkServerTrusted(chain, authType, socket);
                } else {
                    m.checkServerTrusted(chain, authType);
                }
            });
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            any(m -> m.checkClientTrusted(chain, authType));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            any(m -> {
                if (m instanceof X509ExtendedTrustManager x) {
                    x.checkServerTrusted(chain, authType, engine);
                } else {
                    m.checkServerTrusted(chain, authType);
                }
            });
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            any(m -> m.checkClientTrusted(chain, authType));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            any(m -> m.checkServerTrusted(chain, authType));
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            List<X509Certificate> all = new ArrayList<>();
            for (X509TrustManager m : managers) {
                all.addAll(List.of(m.getAcceptedIssuers()));
            }
            return all.toArray(new X509Certificate[0]);
        }
    }
}
