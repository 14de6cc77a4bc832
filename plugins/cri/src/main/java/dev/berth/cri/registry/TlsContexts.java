package dev.berth.cri.registry;

import dev.berth.core.errdefs.BerthException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/** The TLS contexts behind a host's {@code skip_verify} and {@code ca_file} settings. */
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
        try {
            TrustManager tm;
            if (skipVerify) {
                tm = new TrustAll();
            } else if (caFile != null && !caFile.isEmpty()) {
                tm = new Either(jdkDefault(), fromPem(Path.of(caFile)));
            } else {
                return SSLContext.getDefault();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {tm}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new BerthException(dev.berth.core.errdefs.ErrorKind.INTERNAL, "cannot set up TLS: " + e.getMessage(), e);
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
