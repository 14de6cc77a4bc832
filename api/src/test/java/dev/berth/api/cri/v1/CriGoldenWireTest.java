package dev.berth.api.cri.v1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.grpc.MethodDescriptor.MethodType;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Proves that {@code runtime/v1/api.proto} is wire compatible with the public CRI runtime.v1 API,
 * using golden encodings produced by the reference protobuf implementation from the public proto
 * (see {@code shared/cri-golden/README.md}).
 *
 * <p>For every {@code <Message>.bin}/{@code <Message>.txtpb} pair the text form is parsed (proves
 * field and enum value names) and the binary form is parsed (proves field numbers and wire types);
 * both must be equal and free of unknown fields at every nesting level. A renumbered field turns
 * into an unknown field (or a type mismatch) in the binary parse, and a renamed field or enum value
 * makes the text parse throw — see the two {@code checkerDetects*} tests.
 */
class CriGoldenWireTest {

    private static final String GOLDEN_PROPERTY = "berth.criGolden";
    private static final int MIN_MESSAGE_PAIRS = 100;
    private static final String JAVA_PACKAGE = "dev.berth.api.cri.v1";

    // ---------------------------------------------------------------- messages

    @TestFactory
    Stream<DynamicTest> everyGoldenMessageRoundTrips() throws IOException {
        Path dir = goldenDir();
        List<String> names;
        try (Stream<Path> files = Files.list(dir)) {
            names = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".bin"))
                    .map(n -> n.substring(0, n.length() - ".bin".length()))
                    .sorted()
                    .collect(Collectors.toList());
        }
        assertThat(names)
                .as("golden message pairs in %s", dir)
                .hasSizeGreaterThan(MIN_MESSAGE_PAIRS);

        AtomicInteger checked = new AtomicInteger();
        Stream<DynamicTest> perMessage = names.stream()
                .map(name -> DynamicTest.dynamicTest(name, () -> {
                    checkPair(dir, name, CriApiProto.getDescriptor());
                    checked.incrementAndGet();
                }));
        // Runs last: every pair above must actually have been checked successfully.
        DynamicTest total = DynamicTest.dynamicTest("all " + names.size() + " pairs checked", () -> {
            System.out.printf("CriGoldenWireTest: %d/%d golden message pairs checked%n",
                    checked.get(), names.size());
            assertThat(checked.get()).isEqualTo(names.size()).isGreaterThan(MIN_MESSAGE_PAIRS);
        });
        return Stream.concat(perMessage, Stream.of(total));
    }

    /** Parses one golden pair against {@code file} and asserts equality and no unknown fields. */
    private static void checkPair(Path dir, String name, FileDescriptor file) throws Exception {
        Descriptor type = file.findMessageTypeByName(name);
        assertThat(type).as("message %s.%s in %s", file.getPackage(), name, file.getName()).isNotNull();

        Path txt = dir.resolve(name + ".txtpb");
        assertThat(txt).as("text twin of %s.bin", name).isRegularFile();
        byte[] wire = Files.readAllBytes(dir.resolve(name + ".bin"));

        DynamicMessage.Builder textBuilder = DynamicMessage.newBuilder(type);
        TextFormat.getParser().merge(Files.readString(txt, StandardCharsets.UTF_8), textBuilder);
        DynamicMessage fromText = textBuilder.build();
        DynamicMessage fromWire =
                DynamicMessage.parseFrom(type, wire, ExtensionRegistry.getEmptyRegistry());

        assertNoUnknownFields(fromWire, name + "(bin)");
        assertNoUnknownFields(fromText, name + "(txtpb)");
        if (!type.getFields().isEmpty()) {
            assertThat(fromText.getAllFields()).as("%s golden sets fields", name).isNotEmpty();
        }
        assertThat(fromWire)
                .as("%s: binary parse equals text parse", name)
                .isEqualTo(fromText);
        // Serialising back must yield a message that again equals the golden one.
        assertThat(DynamicMessage.parseFrom(type, fromWire.toByteArray())).isEqualTo(fromText);

        if (file == CriApiProto.getDescriptor()) {
            checkGeneratedClass(name, wire, fromText);
        }
    }

    /** The protoc-generated Java class parses the same bytes to the same content. */
    private static void checkGeneratedClass(String name, byte[] wire, DynamicMessage expected)
            throws Exception {
        Class<?> cls = Class.forName(JAVA_PACKAGE + "." + name);
        Method parseFrom = cls.getMethod("parseFrom", byte[].class);
        Message generated = (Message) parseFrom.invoke(null, (Object) wire);
        assertNoUnknownFields(generated, name + "(generated)");
        assertThat(generated.getDescriptorForType()).isSameAs(expected.getDescriptorForType());
        assertThat(DynamicMessage.parseFrom(expected.getDescriptorForType(), generated.toByteArray()))
                .as("%s: generated class re-encodes to the same message", name)
                .isEqualTo(expected);
    }

    /** Walks singular, repeated and map (entry message) fields. */
    private static void assertNoUnknownFields(Message msg, String path) {
        assertThat(msg.getUnknownFields().asMap())
                .as("unknown fields at %s", path)
                .isEmpty();
        for (Map.Entry<FieldDescriptor, Object> e : msg.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            String child = path + "." + f.getName();
            if (f.isRepeated()) {
                List<?> items = (List<?>) e.getValue();
                for (int i = 0; i < items.size(); i++) {
                    assertNoUnknownFields((Message) items.get(i), child + "[" + i + "]");
                }
            } else {
                assertNoUnknownFields((Message) e.getValue(), child);
            }
        }
    }

    // ---------------------------------------------------------------- services

    @TestFactory
    Stream<DynamicTest> everyGoldenServiceMethodExists() throws IOException {
        Path services = goldenDir().resolve("services.txt");
        assertThat(services).isRegularFile();
        List<String> lines = Files.readAllLines(services, StandardCharsets.UTF_8).stream()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .collect(Collectors.toList());
        assertThat(lines).as("service methods in %s", services).hasSizeGreaterThan(20);

        Map<String, io.grpc.MethodDescriptor<?, ?>> grpcMethods = Stream.concat(
                        RuntimeServiceGrpc.getServiceDescriptor().getMethods().stream(),
                        ImageServiceGrpc.getServiceDescriptor().getMethods().stream())
                .collect(Collectors.toMap(io.grpc.MethodDescriptor::getFullMethodName, Function.identity()));

        AtomicInteger checked = new AtomicInteger();
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : lines) {
            tests.add(DynamicTest.dynamicTest(line.split("\\s+")[0], () -> {
                checkServiceLine(line, grpcMethods);
                checked.incrementAndGet();
            }));
        }
        tests.add(DynamicTest.dynamicTest("all " + lines.size() + " methods checked", () -> {
            System.out.printf("CriGoldenWireTest: %d/%d services.txt lines checked%n",
                    checked.get(), lines.size());
            assertThat(checked.get()).isEqualTo(lines.size());
        }));
        return tests.stream();
    }

    /** Line format: {@code /pkg.Service/Method<TAB>[stream ]Request<TAB>[stream ]Response}. */
    private static void checkServiceLine(String line, Map<String, io.grpc.MethodDescriptor<?, ?>> grpc) {
        String[] cols = line.split("\t");
        assertThat(cols).as("columns of '%s'", line).hasSize(3);
        String fullMethod = cols[0].strip();
        assertThat(fullMethod).startsWith("/");
        int slash = fullMethod.lastIndexOf('/');
        String serviceFullName = fullMethod.substring(1, slash);
        String methodName = fullMethod.substring(slash + 1);

        boolean clientStreaming = cols[1].strip().startsWith("stream ");
        boolean serverStreaming = cols[2].strip().startsWith("stream ");
        String request = stripStream(cols[1]);
        String response = stripStream(cols[2]);

        FileDescriptor file = CriApiProto.getDescriptor();
        assertThat(serviceFullName).startsWith(file.getPackage() + ".");
        ServiceDescriptor service =
                file.findServiceByName(serviceFullName.substring(file.getPackage().length() + 1));
        assertThat(service).as("service %s", serviceFullName).isNotNull();
        assertThat(service.getFullName()).isEqualTo(serviceFullName);

        MethodDescriptor method = service.findMethodByName(methodName);
        assertThat(method).as("method %s", fullMethod).isNotNull();
        assertThat(method.getInputType().getFullName()).as("request of %s", fullMethod)
                .isEqualTo(qualify(file, request));
        assertThat(method.getOutputType().getFullName()).as("response of %s", fullMethod)
                .isEqualTo(qualify(file, response));
        assertThat(method.isServerStreaming()).as("server streaming of %s", fullMethod)
                .isEqualTo(serverStreaming);
        assertThat(method.isClientStreaming()).as("client streaming of %s", fullMethod)
                .isEqualTo(clientStreaming);

        // The generated gRPC stubs agree on the path used on the wire and the call type.
        io.grpc.MethodDescriptor<?, ?> g = grpc.get(fullMethod.substring(1));
        assertThat(g).as("grpc-java method %s", fullMethod).isNotNull();
        MethodType expectedType = clientStreaming
                ? (serverStreaming ? MethodType.BIDI_STREAMING : MethodType.CLIENT_STREAMING)
                : (serverStreaming ? MethodType.SERVER_STREAMING : MethodType.UNARY);
        assertThat(g.getType()).as("grpc call type of %s", fullMethod).isEqualTo(expectedType);
    }

    private static String stripStream(String col) {
        String s = col.strip();
        return s.startsWith("stream ") ? s.substring("stream ".length()).strip() : s;
    }

    private static String qualify(FileDescriptor file, String type) {
        return type.contains(".") ? type : file.getPackage() + "." + type;
    }

    // ---------------------------------------------------------------- the checker can fail

    @Test
    void checkerDetectsRenumberedField() throws Exception {
        Path dir = goldenDir();
        // VersionResponse.runtime_name is 2 on the wire; pretend someone renumbered it to 22.
        FileDescriptor broken = mutate("VersionResponse", "runtime_name",
                f -> f.toBuilder().setNumber(22).build());
        assertThatThrownBy(() -> checkPair(dir, "VersionResponse", broken))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("unknown fields");
    }

    @Test
    void checkerDetectsRenamedField() throws Exception {
        Path dir = goldenDir();
        FileDescriptor broken = mutate("VersionResponse", "runtime_name",
                f -> f.toBuilder().setName("runtime_title").setJsonName("runtimeTitle").build());
        assertThatThrownBy(() -> checkPair(dir, "VersionResponse", broken))
                .isInstanceOf(TextFormat.ParseException.class)
                .hasMessageContaining("runtime_name");
    }

    @Test
    void checkerDetectsChangedFieldType() throws Exception {
        Path dir = goldenDir();
        // ExecSyncResponse.exit_code is a varint; declared as a string, the text form no longer parses
        // and the varint on the wire no longer matches the declared wire type.
        FileDescriptor broken = mutate("ExecSyncResponse", "exit_code",
                f -> f.toBuilder().setType(FieldDescriptorProto.Type.TYPE_STRING).build());
        assertThatThrownBy(() -> checkPair(dir, "ExecSyncResponse", broken))
                .isInstanceOf(TextFormat.ParseException.class)
                .hasMessageContaining("string");
    }

    /** A copy of the compiled CRI file descriptor with one field rewritten. */
    private static FileDescriptor mutate(String message, String field,
            Function<FieldDescriptorProto, FieldDescriptorProto> change)
            throws DescriptorValidationException {
        FileDescriptorProto.Builder file = CriApiProto.getDescriptor().toProto().toBuilder();
        boolean done = false;
        for (DescriptorProto.Builder m : file.getMessageTypeBuilderList()) {
            if (!m.getName().equals(message)) {
                continue;
            }
            for (int i = 0; i < m.getFieldCount(); i++) {
                if (m.getField(i).getName().equals(field)) {
                    m.setField(i, change.apply(m.getField(i)));
                    done = true;
                }
            }
        }
        assertThat(done).as("%s.%s present", message, field).isTrue();
        return FileDescriptor.buildFrom(file.build(), new FileDescriptor[0]);
    }

    // ---------------------------------------------------------------- helpers

    /** The golden directory is mandatory: a missing one fails, it never skips. */
    private static Path goldenDir() {
        String prop = System.getProperty(GOLDEN_PROPERTY);
        if (prop == null || prop.isBlank()) {
            fail("system property " + GOLDEN_PROPERTY + " is not set (api/pom.xml surefire config)");
        }
        Path dir = Paths.get(prop).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            fail("CRI golden directory " + dir + " (from -D" + GOLDEN_PROPERTY + ") does not exist");
        }
        return dir;
    }
}
