package recordings

import (
	"bytes"
	"encoding/binary"
)

// SniffLen is how many leading bytes Sniff looks at.
const SniffLen = 512

// Sniff names the audio or video type of a file from its first bytes ("" when
// it is none of the types browsers play): MP4 and QuickTime (ISO base media,
// "ftyp" box), WebM (EBML with the webm doc type), Ogg, MP3 (ID3 tag or an
// MPEG audio frame), WAV, FLAC, AAC (ADTS) and M4A. A client's Content-Type
// is never trusted.
func Sniff(b []byte) string {
	switch {
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		brand := string(b[8:12])
		switch {
		case brand == "qt  ":
			return "video/quicktime"
		case brand == "M4A " || brand == "M4B ":
			return "audio/mp4"
		default:
			return "video/mp4"
		}
	case len(b) >= 4 && bytes.Equal(b[:4], []byte{0x1a, 0x45, 0xdf, 0xa3}):
		if bytes.Contains(b, []byte("webm")) {
			return "video/webm"
		}
		if bytes.Contains(b, []byte("matroska")) {
			return "video/x-matroska"
		}
		return ""
	case bytes.HasPrefix(b, []byte("OggS")):
		if bytes.Contains(b, []byte("theora")) || bytes.Contains(b, []byte("VP8")) {
			return "video/ogg"
		}
		if bytes.Contains(b, []byte("vorbis")) || bytes.Contains(b, []byte("Opus")) || bytes.Contains(b, []byte("FLAC")) {
			return "audio/ogg"
		}
		return "video/ogg"
	case bytes.HasPrefix(b, []byte("ID3")):
		return "audio/mpeg"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		return "audio/wav"
	case bytes.HasPrefix(b, []byte("fLaC")):
		return "audio/flac"
	case len(b) >= 4 && b[0] == 0xff && b[1]&0xf6 == 0xf0:
		return "audio/aac" // ADTS: sync word, layer 00
	case len(b) >= 4 && mpegAudioFrame(binary.BigEndian.Uint32(b[:4])):
		return "audio/mpeg"
	}
	return ""
}

// mpegAudioFrame reports whether h is a plausible MPEG audio frame header.
func mpegAudioFrame(h uint32) bool {
	if h>>21 != 0x7ff { // frame sync
		return false
	}
	version, layer := (h>>19)&3, (h>>17)&3
	bitrate, rate := (h>>12)&0xf, (h>>10)&3
	return version != 1 && layer != 0 && bitrate != 0 && bitrate != 0xf && rate != 3
}

// Extension is the file name ending for a sniffed type, so that a file
// served from disk carries its type.
func Extension(contentType string) string {
	switch contentType {
	case "video/mp4":
		return ".mp4"
	case "audio/mp4":
		return ".m4a"
	case "video/quicktime":
		return ".mov"
	case "video/webm":
		return ".webm"
	case "video/x-matroska":
		return ".mkv"
	case "video/ogg":
		return ".ogv"
	case "audio/ogg":
		return ".oga"
	case "audio/mpeg":
		return ".mp3"
	case "audio/wav":
		return ".wav"
	case "audio/flac":
		return ".flac"
	case "audio/aac":
		return ".aac"
	}
	return ""
}
