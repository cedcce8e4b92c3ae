"""Decodes a JPEG 2000 codestream with the system's OpenJPEG (libopenjp2.so.7) through ctypes.

A reference decoder for the JPEG 2000 test: dcmtk has no JPEG 2000 codec, and this build of OpenJPEG is not the
WebAssembly one LungFlow uses. Usage: openjpegReference.py <codestream.j2k> <out.raw> [reduce]; writes component 0
as little-endian int32 to out.raw and prints {"width", "height", "precision", "signed", "components"} as JSON.
`reduce` (default 0) discards that many resolution levels (opj_dparameters_t.cp_reduce, its first member).
"""
import ctypes
import json
import sys

OPJ_CODEC_J2K = 0


class ImageComp(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint32) for name in
                ("dx", "dy", "w", "h", "x0", "y0", "prec", "bpp", "sgnd", "resno_decoded", "factor")] + [
        ("data", ctypes.POINTER(ctypes.c_int32)), ("alpha", ctypes.c_uint16)]


class Image(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint32) for name in ("x0", "y0", "x1", "y1", "numcomps")] + [
        ("color_space", ctypes.c_int), ("comps", ctypes.POINTER(ImageComp)),
        ("icc_profile_buf", ctypes.c_void_p), ("icc_profile_len", ctypes.c_uint32)]


def main(codestream: str, out: str, reduce: int = 0) -> None:
    lib = ctypes.CDLL("libopenjp2.so.7")
    lib.opj_create_decompress.restype = ctypes.c_void_p
    lib.opj_stream_create_default_file_stream.restype = ctypes.c_void_p
    lib.opj_stream_create_default_file_stream.argtypes = [ctypes.c_char_p, ctypes.c_int]
    for fn in ("opj_setup_decoder", "opj_read_header", "opj_decode", "opj_end_decompress"):
        getattr(lib, fn).restype = ctypes.c_int
    lib.opj_setup_decoder.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.opj_read_header.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.POINTER(Image))]
    lib.opj_decode.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(Image)]
    lib.opj_end_decompress.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.opj_set_default_decoder_parameters.argtypes = [ctypes.c_void_p]
    lib.opj_image_destroy.argtypes = [ctypes.POINTER(Image)]
    lib.opj_stream_destroy.argtypes = [ctypes.c_void_p]
    lib.opj_destroy_codec.argtypes = [ctypes.c_void_p]

    parameters = ctypes.create_string_buffer(1 << 16)  # larger than opj_dparameters_t
    lib.opj_set_default_decoder_parameters(parameters)
    ctypes.c_uint32.from_buffer(parameters, 0).value = reduce
    codec = lib.opj_create_decompress(OPJ_CODEC_J2K)
    stream = lib.opj_stream_create_default_file_stream(codestream.encode(), 1)
    image = ctypes.POINTER(Image)()
    try:
        if not (lib.opj_setup_decoder(codec, parameters) and lib.opj_read_header(stream, codec, ctypes.byref(image))
                and lib.opj_decode(codec, stream, image) and lib.opj_end_decompress(codec, stream)):
            raise SystemExit("OpenJPEG could not decode " + codestream)
        comp = image.contents.comps[0]
        count = comp.w * comp.h
        with open(out, "wb") as f:
            f.write(ctypes.string_at(comp.data, count * 4))
        print(json.dumps({"width": comp.w, "height": comp.h, "precision": comp.prec, "signed": bool(comp.sgnd),
                          "components": image.contents.numcomps}))
    finally:
        if image:
            lib.opj_image_destroy(image)
        lib.opj_stream_destroy(stream)
        lib.opj_destroy_codec(codec)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
