package haia.tools.proxmox;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

import io.helidon.common.socket.SocketOptions;
import io.helidon.common.tls.Tls;
import io.helidon.webclient.api.WebClient;

/**
 * Trusts exactly one server certificate: the leaf whose SHA-256 fingerprint the user copied from Proxmox's
 * certificate panel, as Proxmox's own API client does with a fingerprint. Proxmox nodes ship a certificate signed by
 * a cluster CA no system trusts, so this is how a homelab verifies the node without disabling verification. The pin
 * is the identity: the host name is not checked against the certificate (an IP or a short name in the URL is fine).
 * Prometheus behind a self-signed certificate is trusted the same way.
 */
public final class PinnedTrustManager extends X509ExtendedTrustManager {

    private final byte[] pin;
    private final String setting;

    /** @param setting the variable the pin comes from, named when a certificate does not match */
    PinnedTrustManager(byte[] sha256, String setting) {
        this.pin = sha256.clone();
        this.setting = setting;
    }

    /**
     * The web client of a read-only HTTPS API in the homelab (Proxmox, Prometheus): TLS as {@link #tls}, no redirects
     * followed (a redirect would carry the credentials elsewhere), a short connect timeout and {@code timeout} per read.
     */
    public static WebClient client(Optional<byte[]> fingerprint, String setting, Duration timeout) {
        return WebClient.builder()
                .tls(tls(fingerprint, setting))
                .socketOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .connectTimeout(Duration.ofSeconds(Math.min(5, Math.max(1, timeout.toSeconds()))))
                .readTimeout(timeout)
                .followRedirects(false)
                .sendExpectContinue(false)
                .build();
    }

    /**
     * A web client's TLS: pinned to {@code fingerprint} when one is configured, else the JDK's trust store with host
     * name checks; never trust-all.
     */
    public static Tls tls(Optional<byte[]> fingerprint, String setting) {
        if (fingerprint.isEmpty()) {
            return Tls.builder().build();
        }
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new PinnedTrustManager(fingerprint.get(), setting)}, null);
            return Tls.builder()
                    .sslContext(context)
                    .endpointIdentificationAlgorithm(Tls.ENDPOINT_IDENTIFICATION_NONE)
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS with a pinned certificate", e);
        }
    }

    static String fingerprint(X509Certificate certificate) throws CertificateEncodingException {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the server sent no certificate");
        }
        String seen = fingerprint(chain[0]);
        if (!MessageDigest.isEqual(HexFormat.ofDelimiter(":").parseHex(seen), pin)) {
            throw new CertificateException("certificate fingerprint mismatch: the server's certificate has SHA-256 "
                    + seen + ", not the " + setting + " configured");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("HAIA does not accept client connections here");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
