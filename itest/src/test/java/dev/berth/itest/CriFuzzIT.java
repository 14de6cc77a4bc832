package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import dev.berth.api.cri.v1.ImageServiceGrpc;
import dev.berth.api.cri.v1.LinuxPodSandboxConfig;
import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.RunPodSandboxRequest;
import dev.berth.api.cri.v1.RunPodSandboxResponse;
import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import dev.berth.api.cri.v1.VersionRequest;
import dev.berth.itest.fuzz.HostSafety;
import dev.berth.itest.fuzz.RandomMessages;
import dev.berth.itest.registry.LocalRegistry;
import dev.berth.testing.reliability.Fault;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every RuntimeService and ImageService method of a real berthd, driven with random and malformed requests: built
 * from nothing, mutated from the complete CRI golden messages, or empty; ids random, real, or prefixes of real ones.
 * A user's mistake must never come back as INTERNAL or UNKNOWN, no call may hang, and the daemon must keep serving.
 * The run is bounded ({@value #MAX_CALLS} calls, {@link #MAX_TIME}) and seeded: it prints the seed, and
 * {@code -Dberth.fuzz.seed=N} replays it. What it may create (pods with a loopback-only network) is removed after.
 */
@ExtendWith(Daemons.class)
@Timeout(value = 8, unit = TimeUnit.MINUTES)
@Fault(value = "random and malformed fields in every CRI request (fuzz)",
        expect = "no INTERNAL/UNKNOWN, no hang, the daemon keeps serving")
class CriFuzzIT {
    private static final int MAX_CALLS = 3000;
    private static final Duration MAX_TIME = Duration.ofMinutes(3);
    /** Pods a run keeps at once: each successful RunPodSandbox beyond this removes the oldest. */
    private static final int MAX_PODS = 4;
    private static final Path GOLDEN = Path.of(System.getProperty("berth.criGolden", "../../shared/cri-golden"));
    /** Codes that mean the daemon failed, not the caller. */
    private static final Set<Status.Code> SERVER_FAULTS = Set.of(Status.Code.INTERNAL, Status.Code.UNKNOWN,
            Status.Code.DATA_LOSS);

    private final String cgroupParent = "/berth-fuzz-" + Long.toHexString(System.nanoTime() & 0xffffff);
    private final List<Berthd> daemons = new ArrayList<>();
    private Path dir;

    @BeforeEach
    void requireRoot() {
        CriPods.assumeRootRuncConmonLoopbackCni();
    }

    @AfterEach
    void cleanUp() throws Exception {
        CriPods.cleanUp(daemons, dir, cgroupParent);
    }

    @Test
    void everyRpcAnswersMalformedRequestsWithAClientErrorAndTheDaemonStaysUp(Daemons.Session s) throws Exception {
        long seed = Long.getLong("berth.fuzz.seed", new SecureRandom().nextLong());
        System.out.println("CriFuzzIT seed " + seed + " (replay with -Dberth.fuzz.seed=" + seed + ")");
        Random rnd = new Random(seed);
        TestConfig c = CriPods.loopbackNetwork(s.config())
                .append("[plugins.\"io.berth.grpc.v1.cri\".registry]\nretries = 1\n")
                .append("[plugins.\"io.berth.runtime.v2.runc\"]\ndefault_cgroup_parent = \"" + cgroupParent + "\"\n");
        dir = c.dir();
        Berthd d = s.start(c);
        daemons.add(d);
        RandomMessages random = new RandomMessages(rnd);
        HostSafety safety = new HostSafety(random, dir, LocalRegistry.closedPort());
        List<MethodDescriptor<Message, Message>> methods = methods();
        assertEveryGoldenMethodIsDriven(methods);

        Map<String, Integer> calls = new TreeMap<>();
        Map<String, Integer> codes = new TreeMap<>();
        Map<String, String> examples = new TreeMap<>();
        Map<String, String> faults = new LinkedHashMap<>();
        Deque<String> pods = new ArrayDeque<>();
        Instant deadline = Instant.now().plus(MAX_TIME);
        int n = 0;
        while (n < MAX_CALLS && Instant.now().isBefore(deadline)) {
            MethodDescriptor<Message, Message> m = methods.get(rnd.nextInt(methods.size()));
            Message request = safety.apply(withIds(request(m, random, rnd), pods, random, rnd));
            calls.merge(m.getBareMethodName(), 1, Integer::sum);
            n++;
            try {
                Message response = call(d.channel().channel(), m, request);
                codes.merge(m.getBareMethodName() + " OK", 1, Integer::sum);
                if (response instanceof RunPodSandboxResponse r) {
                    pods.addLast(r.getPodSandboxId());
                    while (pods.size() > MAX_PODS) {
                        removePod(d, pods.removeFirst());
                    }
                }
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                codes.merge(m.getBareMethodName() + " " + code, 1, Integer::sum);
                examples.putIfAbsent(m.getBareMethodName() + " " + code + " " + String.valueOf(e.getStatus().getDescription())
                        .replaceAll("[\"'0-9].*", ""), shorten(e.getStatus().getDescription()));
                boolean serverFault = SERVER_FAULTS.contains(code)
                        || (code == Status.Code.DEADLINE_EXCEEDED && m.getType() == MethodDescriptor.MethodType.UNARY)
                        || (code == Status.Code.UNAVAILABLE && !m.getBareMethodName().equals("PullImage"));
                if (serverFault) {
                    faults.putIfAbsent(m.getBareMethodName() + " " + code + ": "
                            + shorten(e.getStatus().getDescription()).replaceAll("request [0-9a-f]+", "request …"),
                            shorten(TextFormat.shortDebugString(request)));
                }
            }
            if (n % 100 == 0) {
                assertServing(d);
            }
        }

        System.out.println("CriFuzzIT: " + n + " calls; answers: " + codes);
        examples.forEach((k, v) -> System.out.println("  e.g. " + k + ": " + v));
        faults.forEach((fault, request) -> System.out.println("FAULT " + fault + "\n  request: " + request));
        assertServing(d);
        assertThat(d.process().isAlive()).as("berthd alive").isTrue();
        assertThat(calls.keySet()).as("methods driven").hasSize(methods.size());
        assertThat(faults.keySet()).as("server faults for a caller's mistakes (seed %d)", seed).isEmpty();
    }

    /** Every unary and server-streaming method of both CRI services, from the generated stubs. */
    @SuppressWarnings("unchecked")
    private static List<MethodDescriptor<Message, Message>> methods() {
        List<MethodDescriptor<Message, Message>> out = new ArrayList<>();
        for (ServiceDescriptor sd : List.of(RuntimeServiceGrpc.getServiceDescriptor(), ImageServiceGrpc.getServiceDescriptor())) {
            sd.getMethods().forEach(m -> out.add((MethodDescriptor<Message, Message>) m));
        }
        return out;
    }

    /** The golden method list names no method the stubs lack (so none escapes the fuzzer). */
    private static void assertEveryGoldenMethodIsDriven(List<MethodDescriptor<Message, Message>> methods) throws IOException {
        Path services = GOLDEN.resolve("services.txt");
        if (!Files.exists(services)) {
            System.out.println("no " + services + ": driving the methods of the generated stubs only");
            return;
        }
        List<String> names = methods.stream().map(m -> "/" + m.getFullMethodName()).toList();
        for (String line : Files.readAllLines(services)) {
            if (!line.isBlank()) {
                assertThat(names).as("methods driven").contains(line.split("\t")[0]);
            }
        }
    }

    private static Message prototype(MethodDescriptor<Message, Message> m) {
        return (Message) ((MethodDescriptor.PrototypeMarshaller<?>) m.getRequestMarshaller()).getMessagePrototype();
    }

    /** An empty request, a random one, a mutated golden one, or a valid RunPodSandbox with one field changed. */
    private Message request(MethodDescriptor<Message, Message> m, RandomMessages random, Random rnd) throws IOException {
        Message proto = prototype(m);
        int dice = rnd.nextInt(10);
        if (dice == 0) {
            return proto;
        }
        if (proto instanceof RunPodSandboxRequest && dice < 5) { // gets past validation often enough to make pods
            return dice < 3 ? validPod(rnd) : random.mutateOne(validPod(rnd));
        }
        Path golden = GOLDEN.resolve(proto.getDescriptorForType().getName() + ".bin");
        if (dice < 6 && Files.exists(golden)) {
            try {
                Message complete = proto.getParserForType().parseFrom(Files.readAllBytes(golden));
                return dice < 3 ? random.mutateOne(complete) : random.mutate(complete);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(golden + " does not parse", e);
            }
        }
        return random.random(proto);
    }

    private RunPodSandboxRequest validPod(Random rnd) {
        String name = "fuzz-" + rnd.nextInt(1000);
        return RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("itest").setUid("uid-" + name))
                .setLogDirectory(dir.resolve("logs").resolve(name).toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent))).build();
    }

    /** Some id fields point at a real pod, or a prefix of its id, so that calls get past the lookup. */
    private static Message withIds(Message request, Deque<String> pods, RandomMessages random, Random rnd) {
        if (pods.isEmpty() || rnd.nextInt(3) != 0) {
            return request;
        }
        Message.Builder b = request.toBuilder();
        for (FieldDescriptor f : request.getDescriptorForType().getFields()) {
            if (f.getName().endsWith("_id") && f.getJavaType() == FieldDescriptor.JavaType.STRING && !f.isRepeated()) {
                String id = List.copyOf(pods).get(rnd.nextInt(pods.size()));
                b.setField(f, rnd.nextBoolean() ? id : id.substring(0, 1 + random.nextInt(12)));
            }
        }
        return b.build();
    }

    private static Message call(Channel ch, MethodDescriptor<Message, Message> m, Message request) {
        if (m.getType() == MethodDescriptor.MethodType.SERVER_STREAMING) {
            Iterator<Message> events = ClientCalls.blockingServerStreamingCall(ch, m,
                    CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), request);
            for (int i = 0; i < 1000 && events.hasNext(); i++) {
                events.next();
            }
            return null;
        }
        return ClientCalls.blockingUnaryCall(ch, m, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request);
    }

    private static void removePod(Berthd d, String id) {
        try {
            d.runtime().stopPodSandbox(dev.berth.api.cri.v1.StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
            d.runtime().removePodSandbox(dev.berth.api.cri.v1.RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) { // the fuzzer may have removed it already
                throw e;
            }
        }
    }

    private static void assertServing(Berthd d) {
        assertThat(d.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isNotEmpty();
    }

    private static String shorten(String s) {
        String t = String.valueOf(s);
        return t.length() > 600 ? t.substring(0, 600) + "…" : t;
    }
}
