// Photos made smaller on the phone before they are queued or sent (offline_queue.js): a 12 MP
// phone photo of 4-6 MB becomes a 1600 px JPEG of a few hundred KB, so the queue holds many
// visits and a weak signal still carries them. The original JPEG's EXIF block (capture time, GPS)
// is copied into the new file, its Orientation set to 1 because the pixels are already upright:
// the server (campaign/photos.py) reads the time and place from it as from the original.
(function () {
  "use strict";

  var MAX_EDGE = 1600;
  var QUALITY = 0.85;
  var ORIENTATION_TAG = 0x0112;
  var HEAD_BYTES = 256 * 1024;

  function isJpeg(bytes) {
    return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8;
  }

  // The APP1 "Exif" segment of a JPEG (marker included), or null.
  function exifSegment(bytes) {
    if (!isJpeg(bytes)) return null;
    var at = 2;
    while (at + 4 <= bytes.length && bytes[at] === 0xff) {
      var marker = bytes[at + 1];
      // Start of scan or end of image: no metadata after this point.
      if (marker === 0xda || marker === 0xd9) return null;
      var length = (bytes[at + 2] << 8) | bytes[at + 3];
      if (length < 2 || at + 2 + length > bytes.length) return null;
      if (marker === 0xe1 && length > 8 && bytes[at + 4] === 0x45 && bytes[at + 5] === 0x78 &&
          bytes[at + 6] === 0x69 && bytes[at + 7] === 0x66 && bytes[at + 8] === 0 && bytes[at + 9] === 0) {
        return bytes.slice(at, at + 2 + length);
      }
      at += 2 + length;
    }
    return null;
  }

  // Set the Orientation entry of IFD0 to 1 (top-left) in a copied APP1 segment, in place.
  function uprightOrientation(segment) {
    var tiff = 10;  // marker (2) + length (2) + "Exif\0\0" (6)
    if (segment.length < tiff + 8) return;
    var view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
    var little = segment[tiff] === 0x49;  // "II": little-endian; "MM": big-endian
    var ifd = tiff + view.getUint32(tiff + 4, little);
    if (ifd + 2 > segment.length) return;
    var count = view.getUint16(ifd, little);
    for (var i = 0; i < count; i++) {
      var entry = ifd + 2 + i * 12;
      if (entry + 12 > segment.length) return;
      if (view.getUint16(entry, little) === ORIENTATION_TAG) {
        view.setUint16(entry + 8, 1, little);  // a SHORT, stored in the value field itself
        return;
      }
    }
  }

  // The new JPEG with the EXIF segment put right after its start-of-image marker.
  function withExif(jpeg, segment) {
    var out = new Uint8Array(jpeg.length + segment.length);
    out.set(jpeg.subarray(0, 2), 0);
    out.set(segment, 2);
    out.set(jpeg.subarray(2), 2 + segment.length);
    return out;
  }

  function encode(bitmap, width, height) {
    if (typeof OffscreenCanvas !== "undefined") {
      var offscreen = new OffscreenCanvas(width, height);
      offscreen.getContext("2d").drawImage(bitmap, 0, 0, width, height);
      return offscreen.convertToBlob({type: "image/jpeg", quality: QUALITY});
    }
    var canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
    return new Promise(function (resolve, reject) {
      canvas.toBlob(function (blob) {
        if (blob) resolve(blob); else reject(new Error("encoding failed"));
      }, "image/jpeg", QUALITY);
    });
  }

  function jpegName(name) {
    var stem = (name || "photo").replace(/\.[^.]*$/, "");
    return (stem || "photo") + ".jpg";
  }

  // A File: the reduced JPEG, or the file itself when it is small already, not an image, or not
  // decodable here (the server then refuses it with its own message).
  async function reduce(file) {
    if (!file || !file.type || file.type.indexOf("image/") !== 0 || typeof createImageBitmap === "undefined") {
      return file;
    }
    var bitmap;
    try {
      bitmap = await createImageBitmap(file, {imageOrientation: "from-image"});
    } catch (error) {
      return file;
    }
    try {
      var longest = Math.max(bitmap.width, bitmap.height);
      if (longest <= MAX_EDGE) return file;
      var scale = MAX_EDGE / longest;
      var width = Math.max(1, Math.round(bitmap.width * scale));
      var height = Math.max(1, Math.round(bitmap.height * scale));
      var blob = await encode(bitmap, width, height);
      var bytes = new Uint8Array(await blob.arrayBuffer());
      // The EXIF block sits among the first segments (an APP1 is at most 64 KB).
      var segment = exifSegment(new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer()));
      if (segment && isJpeg(bytes)) {
        uprightOrientation(segment);
        bytes = withExif(bytes, segment);
      }
      return new File([bytes], jpegName(file.name), {type: "image/jpeg", lastModified: file.lastModified});
    } catch (error) {
      return file;
    } finally {
      bitmap.close();
    }
  }

  window.photoReduce = {reduce: reduce, MAX_EDGE: MAX_EDGE, exifSegment: exifSegment};
})();
