package dev.berth.cri.grpc;

import dev.berth.api.cri.v1.*;
import dev.berth.cri.CriService;
import dev.berth.cri.InstrumentedCriService;
import io.grpc.stub.StreamObserver;

/**
 * {@code runtime.v1.ImageService}: each gRPC method hands its request to {@link InstrumentedCriService}, which runs the matching
 * {@link CriService} method. Nothing else happens here.
 */
public final class ImageServiceBinding extends ImageServiceGrpc.ImageServiceImplBase {
    private final InstrumentedCriService rpc;
    private final CriService cri;

    public ImageServiceBinding(InstrumentedCriService rpc, CriService cri) {
        this.rpc = rpc;
        this.cri = cri;
    }

    @Override
    public void listImages(ListImagesRequest request, StreamObserver<ListImagesResponse> out) {
        rpc.unary("ListImages", request, out, cri::listImages);
    }

    @Override
    public void imageStatus(ImageStatusRequest request, StreamObserver<ImageStatusResponse> out) {
        rpc.unary("ImageStatus", request, out, cri::imageStatus);
    }

    @Override
    public void pullImage(PullImageRequest request, StreamObserver<PullImageResponse> out) {
        rpc.unary("PullImage", request, out, cri::pullImage);
    }

    @Override
    public void removeImage(RemoveImageRequest request, StreamObserver<RemoveImageResponse> out) {
        rpc.unary("RemoveImage", request, out, cri::removeImage);
    }

    @Override
    public void imageFsInfo(ImageFsInfoRequest request, StreamObserver<ImageFsInfoResponse> out) {
        rpc.unary("ImageFsInfo", request, out, cri::imageFsInfo);
    }

    @Override
    public void streamImages(StreamImagesRequest request, StreamObserver<StreamImagesResponse> out) {
        rpc.chunked("StreamImages", request, out, q -> cri.listImages(q.hasFilter()
                        ? ListImagesRequest.newBuilder().setFilter(q.getFilter()).build()
                        : ListImagesRequest.getDefaultInstance()).getImagesList(),
                items -> StreamImagesResponse.newBuilder().addAllImages(items).build());
    }
}
