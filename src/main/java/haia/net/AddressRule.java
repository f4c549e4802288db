package haia.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which addresses HAIA may fetch a picture from, or let a provider fetch one from: by default none inside the
 * network HAIA runs in. Anyone who may send HAIA a chat could otherwise make it GET its own loopback, the LAN, or a
 * cloud's metadata service, and learn from the answers what listens where. Refused unless allowed: loopback,
 * private (RFC 1918, unique local IPv6, the shared address space of carrier-grade NAT and Tailscale),
 * link-local, multicast, unspecified and reserved addresses, also when written another way (an IPv4 address inside
 * IPv6, as 6to4 or NAT64 write it).
 *
 * <p>The allow-list ({@code HAIA_IMAGE_FETCH_ALLOW}) names what the user's pictures need: address ranges
 * ({@code 192.168.1.0/24}, {@code 127.0.0.1}, {@code fd00::/8}) and host names ({@code nas.lan}, or
 * {@code *.lan} for every name under it). The rule is applied to the address a host name resolves to, on every
 * hop of a redirect, and HAIA connects to exactly the address it checked ({@code haia.chat.ImageFetch}).
 */
public final class AddressRule {

    /** A CIDR range. */
    private record Range(byte[] network, int bits) {

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            return rest == 0 || ((address[full] ^ network[full]) & (0xFF << (8 - rest)) & 0xFF) == 0;
        }
    }

    /** Refused by default, with what to call them in the log. */
    private static final List<Object[]> INTERNAL = List.of(
            new Object[] {range("0.0.0.0/8"), "an unspecified (\"this network\") address"},
            new Object[] {range("10.0.0.0/8"), "a private address"},
            new Object[] {range("100.64.0.0/10"), "a private (carrier-grade NAT, Tailscale) address"},
            new Object[] {range("127.0.0.0/8"), "a loopback address"},
            new Object[] {range("169.254.0.0/16"), "a link-local address (cloud metadata services live here)"},
            new Object[] {range("172.16.0.0/12"), "a private address"},
            new Object[] {range("192.0.0.0/24"), "a reserved address"},
            new Object[] {range("192.168.0.0/16"), "a private address"},
            new Object[] {range("198.18.0.0/15"), "a reserved address"},
            new Object[] {range("224.0.0.0/4"), "a multicast address"},
            new Object[] {range("240.0.0.0/4"), "a reserved address"},
            new Object[] {range("::/128"), "an unspecified address"},
            new Object[] {range("::1/128"), "a loopback address"},
            new Object[] {range("100::/64"), "a reserved address"},
            new Object[] {range("fc00::/7"), "a private (unique local) address"},
            new Object[] {range("fe80::/10"), "a link-local address"},
            new Object[] {range("fec0::/10"), "a private (site-local) address"},
            new Object[] {range("ff00::/8"), "a multicast address"});

    private final List<Range> allowedRanges;
    private final List<String> allowedHosts;

    private AddressRule(List<Range> allowedRanges, List<String> allowedHosts) {
        this.allowedRanges = List.copyOf(allowedRanges);
        this.allowedHosts = List.copyOf(allowedHosts);
    }

    /** Nothing inside the network allowed. */
    public static final AddressRule DEFAULT = new AddressRule(List.of(), List.of());

    /**
     * The rule with these allow-list entries.
     *
     * @throws IllegalArgumentException naming an entry that is neither a range, an address nor a host name
     */
    public static AddressRule allowing(List<String> entries) {
        List<Range> ranges = new ArrayList<>();
        List<String> hosts = new ArrayList<>();
        for (String raw : entries) {
            String entry = raw.strip().toLowerCase(Locale.ROOT);
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.contains("/") || entry.contains(":") || entry.matches("[0-9.]+")) {
                ranges.add(range(entry.contains("/") ? entry : entry + (entry.contains(":") ? "/128" : "/32")));
            } else if (entry.matches("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                hosts.add(entry);
            } else {
                throw new IllegalArgumentException("'" + raw.strip() + "' is not an address range (192.168.1.0/24),"
                        + " an address or a host name (nas.lan, *.lan)");
            }
        }
        return new AddressRule(ranges, hosts);
    }

    /** Validates an allow-list entry for the configuration loader: empty when it is one, else what is wrong. */
    public static Optional<String> problem(String entry) {
        try {
            allowing(List.of(entry));
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * Why {@code host}, resolved to {@code address}, may not be fetched from; empty when it may. For HAIA's log
     * only: clients get one text for every refusal.
     */
    public Optional<String> refusal(String host, InetAddress address) {
        if (hostAllowed(host)) {
            return Optional.empty();
        }
        byte[] bytes = address.getAddress();
        if (allowedRanges.stream().anyMatch(r -> r.contains(bytes))) {
            return Optional.empty();
        }
        Optional<String> internal = internal(bytes);
        return internal.map(what -> address.getHostAddress() + (host.equalsIgnoreCase(address.getHostAddress())
                ? "" : " (" + host + ")") + " is " + what);
    }

    private boolean hostAllowed(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        for (String allowed : allowedHosts) {
            if (allowed.startsWith("*.") ? name.endsWith(allowed.substring(1)) : name.equals(allowed)) {
                return true;
            }
        }
        return false;
    }

    /** What kind of internal address this is, when it is one (an IPv4 address inside IPv6 counts as itself). */
    private Optional<String> internal(byte[] address) {
        byte[] embedded = embeddedIpv4(address);
        if (embedded != null) {
            byte[] v4 = embedded;
            if (allowedRanges.stream().anyMatch(r -> r.contains(v4))) {
                return Optional.empty();
            }
            return internal(v4);
        }
        for (Object[] entry : INTERNAL) {
            if (((Range) entry[0]).contains(address)) {
                return Optional.of((String) entry[1]);
            }
        }
        return Optional.empty();
    }

    /**
     * The IPv4 address an IPv6 address carries: mapped ({@code ::ffff:a.b.c.d}), compatible ({@code ::a.b.c.d}),
     * NAT64 ({@code 64:ff9b::a.b.c.d}) or 6to4 ({@code 2002:aabb:ccdd::}); null for any other.
     */
    private static byte[] embeddedIpv4(byte[] address) {
        if (address.length != 16) {
            return null;
        }
        boolean zeros80 = true;
        for (int i = 0; i < 10; i++) {
            zeros80 &= address[i] == 0;
        }
        boolean mapped = zeros80 && (address[10] & 0xFF) == 0xFF && (address[11] & 0xFF) == 0xFF;
        boolean compatible = zeros80 && address[10] == 0 && address[11] == 0
                && (address[12] != 0 || address[13] != 0);   // not :: or ::1
        boolean nat64 = (address[0] & 0xFF) == 0x00 && (address[1] & 0xFF) == 0x64 && (address[2] & 0xFF) == 0xFF
                && (address[3] & 0xFF) == 0x9B;
        for (int i = 4; nat64 && i < 12; i++) {
            nat64 = address[i] == 0;
        }
        if (mapped || compatible || nat64) {
            return new byte[] {address[12], address[13], address[14], address[15]};
        }
        if ((address[0] & 0xFF) == 0x20 && (address[1] & 0xFF) == 0x02) {
            return new byte[] {address[2], address[3], address[4], address[5]};
        }
        return null;
    }

    private static Range range(String cidr) {
        int slash = cidr.indexOf('/');
        String host = cidr.substring(0, slash);
        InetAddress address;
        int bits;
        try {
            if (!host.matches("[0-9a-fA-F:.]+") || !(host.contains(":") || host.matches("\\d+(\\.\\d+){3}"))) {
                throw new UnknownHostException(host);   // a literal only: never a DNS lookup, never 1.2 = 1.0.0.2
            }
            address = InetAddress.getByName(host);
            bits = Integer.parseInt(cidr.substring(slash + 1));
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + cidr + "' is not an address range (192.168.1.0/24, fd00::/8)");
        }
        if (host.contains(":") && address instanceof Inet4Address) {
            bits -= 96;   // "::ffff:10.0.0.0/104": Java reads IPv4-mapped addresses as the IPv4 ones they are
        }
        byte[] bytes = address.getAddress();
        if (bits < 0 || bits > bytes.length * 8) {
            throw new IllegalArgumentException("'" + cidr + "' is not an address range (192.168.1.0/24, fd00::/8)");
        }
        return new Range(bytes, bits);
    }
}
