package haia.tools.mcp;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MCP SDK is built against a Jackson of its own choosing; HAIA's build manages Jackson itself (pom.xml's
 * jackson-bom, the line Helidon uses). This reads the bytecode of the SDK's Jackson-using jars and checks that every
 * Jackson class, method and field they reference exists in the Jackson on HAIA's class path, so an SDK upgrade that
 * needs a newer Jackson fails here, not at run time in a rarely used path.
 */
class McpJacksonCompatibilityTest {

    private record MemberRef(String owner, String name, String descriptor, boolean field) {
    }

    @Test
    void everyJacksonMemberTheSdkUsesExists() throws Exception {
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (Class<?> anchor : List.of(io.modelcontextprotocol.client.McpClient.class,
                                       io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper.class,
                                       com.networknt.schema.AbsoluteIri.class)) {
            Path jar = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
            try (JarFile file = new JarFile(jar.toFile())) {
                for (JarEntry entry : Collections.list(file.entries())) {
                    if (!entry.getName().endsWith(".class") || entry.getName().startsWith("META-INF")) {
                        continue;
                    }
                    try (InputStream in = file.getInputStream(entry)) {
                        for (MemberRef ref : jacksonRefs(in)) {
                            checked++;
                            if (!exists(ref)) {
                                missing.add(jar.getFileName() + ": " + ref);
                            }
                        }
                    }
                }
            }
        }
        assertTrue(checked > 100, "the scan found the SDK's Jackson references: " + checked);
        assertEquals(List.of(), new ArrayList<>(new TreeSet<>(missing)));
    }

    /** Field and method references to Jackson classes in one class file's constant pool. */
    private static List<MemberRef> jacksonRefs(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        in.readInt();
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        int[] tags = new int[count];
        int[] first = new int[count];
        int[] second = new int[count];
        String[] utf8 = new String[count];
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            tags[i] = tag;
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7, 8, 16, 19, 20 -> first[i] = in.readUnsignedShort();
                case 3, 4 -> in.readInt();
                case 5, 6 -> {
                    in.readLong();
                    i++;   // eight-byte constants take two slots
                }
                case 9, 10, 11, 12, 17, 18 -> {
                    first[i] = in.readUnsignedShort();
                    second[i] = in.readUnsignedShort();
                }
                case 15 -> {
                    in.readUnsignedByte();
                    first[i] = in.readUnsignedShort();
                }
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        List<MemberRef> refs = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            if (tags[i] == 9 || tags[i] == 10 || tags[i] == 11) {
                String owner = utf8[first[first[i]]];
                if (owner.startsWith("com/fasterxml/jackson/")) {
                    int nameAndType = second[i];
                    refs.add(new MemberRef(owner, utf8[first[nameAndType]], utf8[second[nameAndType]], tags[i] == 9));
                }
            }
        }
        return refs;
    }

    private static boolean exists(MemberRef ref) {
        Class<?> owner;
        try {
            owner = Class.forName(ref.owner().replace('/', '.'), false, McpJacksonCompatibilityTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return false;
        }
        for (Class<?> type : hierarchy(owner)) {
            if (ref.field()) {
                for (Field f : type.getDeclaredFields()) {
                    if (f.getName().equals(ref.name()) && f.getType().descriptorString().equals(ref.descriptor())) {
                        return true;
                    }
                }
            } else {
                List<Executable> executables = new ArrayList<>(Arrays.asList(type.getDeclaredMethods()));
                executables.addAll(Arrays.asList(type.getDeclaredConstructors()));
                for (Executable e : executables) {
                    String name = e instanceof Method ? e.getName() : "<init>";
                    String returns = e instanceof Method m ? m.getReturnType().descriptorString() : "V";
                    StringBuilder descriptor = new StringBuilder("(");
                    for (Class<?> p : e.getParameterTypes()) {
                        descriptor.append(p.descriptorString());
                    }
                    if (name.equals(ref.name()) && descriptor.append(')').append(returns).toString()
                            .equals(ref.descriptor())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static Set<Class<?>> hierarchy(Class<?> type) {
        Set<Class<?>> all = new LinkedHashSet<>();
        Deque<Class<?>> queue = new ArrayDeque<>(List.of(type));
        while (!queue.isEmpty()) {
            Class<?> next = queue.pop();
            if (all.add(next)) {
                if (next.getSuperclass() != null) {
                    queue.add(next.getSuperclass());
                }
                queue.addAll(Arrays.asList(next.getInterfaces()));
            }
        }
        return all;
    }
}
