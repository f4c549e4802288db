package haia.net;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which addresses a picture may come from: by default nothing inside the network, however it is written. */
class AddressRuleTest {

    private static Optional<String> refusal(AddressRule rule, String host, String address) throws Exception {
        return rule.refusal(host, InetAddress.getByName(address));
    }

    @Test
    void everyInternalAddressIsRefusedByDefaultHoweverItIsWritten() throws Exception {
        // each address as a resolver (or Java's literal parser) hands it over, and the kind the log names
        List<String[]> internal = List.of(
                new String[] {"127.0.0.1", "loopback"}, new String[] {"127.255.1.2", "loopback"},
                new String[] {"2130706433", "loopback"},          // the decimal form of 127.0.0.1
                new String[] {"::1", "loopback"}, new String[] {"::ffff:127.0.0.1", "loopback"},
                new String[] {"0.0.0.0", "unspecified"}, new String[] {"::", "unspecified"},
                new String[] {"10.1.2.3", "private"}, new String[] {"172.16.0.1", "private"},
                new String[] {"172.31.255.255", "private"}, new String[] {"192.168.1.10", "private"},
                new String[] {"100.101.102.103", "carrier-grade NAT"}, new String[] {"fd12:3456::1", "unique local"},
                new String[] {"169.254.169.254", "link-local"}, new String[] {"fe80::1", "link-local"},
                new String[] {"224.0.0.251", "multicast"}, new String[] {"ff02::fb", "multicast"},
                new String[] {"255.255.255.255", "reserved"},
                new String[] {"2002:7f00:1::", "loopback"},       // 6to4 around 127.0.0.1
                new String[] {"64:ff9b::a00:1", "private"},       // NAT64 around 10.0.0.1
                new String[] {"::a00:1", "private"});             // IPv4-compatible 10.0.0.1
        for (String[] c : internal) {
            Optional<String> refusal = refusal(AddressRule.DEFAULT, c[0], c[0]);
            assertTrue(refusal.isPresent(), c[0] + " must be refused");
            assertTrue(refusal.get().contains(c[1]), c[0] + ": " + refusal.get());
        }
        assertEquals("127.0.0.1 (localhost) is a loopback address",
                     refusal(AddressRule.DEFAULT, "localhost", "127.0.0.1").orElseThrow());
    }

    @Test
    void addressesOnTheInternetAreAllowed() throws Exception {
        for (String address : List.of("93.184.215.14", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1111",
                                      "2002:5db8:d70e::")) {   // 6to4 around a public address
            assertEquals(Optional.empty(), refusal(AddressRule.DEFAULT, "example.org", address), address);
        }
    }

    @Test
    void theAllowListTakesRangesAddressesAndHostNames() throws Exception {
        AddressRule rule = AddressRule.allowing(List.of("192.168.1.0/24", " 127.0.0.1 ", "fd00::/8", "nas.lan",
                                                        "*.home.arpa", "::ffff:10.9.0.0/112"));
        assertEquals(Optional.empty(), refusal(rule, "192.168.1.77", "192.168.1.77"));
        assertTrue(refusal(rule, "192.168.2.1", "192.168.2.1").isPresent(), "outside the range");
        assertEquals(Optional.empty(), refusal(rule, "localhost", "127.0.0.1"), "the address, whatever its name");
        assertTrue(refusal(rule, "127.0.0.2", "127.0.0.2").isPresent(), "only that address");
        assertEquals(Optional.empty(), refusal(rule, "x", "fd00::1"));
        assertEquals(Optional.empty(), refusal(rule, "::ffff:192.168.1.5", "::ffff:192.168.1.5"), "mapped");
        assertEquals(Optional.empty(), refusal(rule, "x", "10.9.3.4"), "a mapped range is its IPv4 range");
        assertEquals(Optional.empty(), refusal(rule, "NAS.lan", "10.0.0.5"), "a host name allows its addresses");
        assertEquals(Optional.empty(), refusal(rule, "pics.home.arpa", "10.0.0.6"));
        assertTrue(refusal(rule, "home.arpa", "10.0.0.6").isPresent(), "*.home.arpa: names under it only");
        assertTrue(refusal(rule, "evilnas.lan", "10.0.0.5").isPresent(), "not a suffix match");
    }

    @Test
    void aMalformedAllowListEntryIsAConfigurationProblem() {
        for (String bad : List.of("192.168.1.0/33", "10.0.0", "fd00::/129", "nas lan", "http://nas.lan", "-x.lan",
                                  "1.2.3.4/x")) {
            assertTrue(AddressRule.problem(bad).isPresent(), bad);
            assertThrows(IllegalArgumentException.class, () -> AddressRule.allowing(List.of(bad)), bad);
        }
        assertEquals(Optional.empty(), AddressRule.problem("10.0.0.0/8"));
    }
}
