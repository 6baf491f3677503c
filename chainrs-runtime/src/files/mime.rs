//! A file's MIME type from its name or its first bytes, for content sent without one: the
//! common types of chat apps (pictures, documents, sound, video, text and data).

/// What a file of unknown type is.
pub(crate) const UNKNOWN: &str = "application/octet-stream";

/// The MIME type of a file named `name`, by its extension; [`UNKNOWN`] when not known.
pub(crate) fn mime_of_name(name: &str) -> &'static str {
    let Some((_, ext)) = name.rsplit_once('.') else {
        return UNKNOWN;
    };
    match ext.to_ascii_lowercase().as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "txt" | "log" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "js" | "mjs" | "jsx" => "text/javascript",
        "json" => "application/json",
        "xml" => "application/xml",
        "zip" => "application/zip",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "ogg" => "audio/ogg",
        "m4a" => "audio/mp4",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => UNKNOWN,
    }
}

/// The MIME type of content starting with `head`, by its signature; [`UNKNOWN`] when not known.
pub(crate) fn mime_of_bytes(head: &[u8]) -> &'static str {
    let starts = |sig: &[u8]| head.starts_with(sig);
    if starts(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if starts(b"\xff\xd8\xff") {
        "image/jpeg"
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        "image/gif"
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        "image/webp"
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        "audio/wav"
    } else if starts(b"%PDF-") {
        "application/pdf"
    } else if starts(b"ID3") || starts(b"\xff\xfb") {
        "audio/mpeg"
    } else if starts(b"OggS") {
        "audio/ogg"
    } else if head.len() >= 8 && &head[4..8] == b"ftyp" {
        "video/mp4"
    } else {
        UNKNOWN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_signatures_give_the_type() {
        assert_eq!(mime_of_name("Chart.PNG"), "image/png");
        assert_eq!(mime_of_name("report.pdf"), "application/pdf");
        assert_eq!(mime_of_name("no-extension"), UNKNOWN);
        assert_eq!(mime_of_name("archive.unknownext"), UNKNOWN);
        assert_eq!(mime_of_bytes(b"\x89PNG\r\n\x1a\n...."), "image/png");
        assert_eq!(mime_of_bytes(b"%PDF-1.7"), "application/pdf");
        assert_eq!(mime_of_bytes(b"RIFF\0\0\0\0WEBPVP8 "), "image/webp");
        assert_eq!(mime_of_bytes(b""), UNKNOWN);
    }
}
