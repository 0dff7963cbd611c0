use http_body_util::BodyExt;

use super::*;

async fn encoded(form: Form) -> Vec<u8> {
    form.into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

#[tokio::test]
async fn a_form_is_encoded_as_urllib3_encodes_it() {
    let form = Form::new()
        .text("title", "a \"quoted\"\r\nname")
        .part("file", Part::bytes(&b"\x00\x01"[..]).file_name("data.bin"))
        .part(
            "doc",
            Part::text("{}")
                .file_name("a.json")
                .header("x-extra", "1")
                .unwrap(),
        );
    let b = form.boundary().to_owned();
    assert_eq!(b.len(), 32);
    let length = form.content_length();
    let bytes = encoded(form).await;
    let expected = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\na \"quoted\"\r\nname\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.bin\"\r\n\r\n\x00\x01\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.json\"\r\nx-extra: 1\r\n\r\n{{}}\r\n\
         --{b}--\r\n"
    );
    assert_eq!(String::from_utf8_lossy(&bytes), expected);
    assert_eq!(length, Some(bytes.len() as u64));
}

#[test]
fn names_are_quoted_as_browsers_do() {
    assert_eq!(quote("a\"b\r\nc"), "a%22b%0D%0Ac");
}

#[test]
fn boundaries_differ() {
    assert_ne!(Form::new().boundary(), Form::new().boundary());
}

#[tokio::test]
async fn text_and_bytes_make_a_replayable_body_and_a_stream_does_not() {
    let body = Form::new().text("a", "1").into_body();
    assert!(body.try_clone().is_some());
    let chunks = vec![Ok::<_, std::io::Error>("x"), Ok("y")];
    let stream = Body::wrap_stream(futures_util::stream::iter(chunks));
    let form = Form::new().part("s", Part::stream(stream));
    assert_eq!(form.content_length(), None, "a stream of unknown length");
    let body = form.into_body();
    assert!(body.try_clone().is_none());
    assert_eq!(body.content_length(), None);
    let text = String::from_utf8(body.collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(text.contains("\r\n\r\nxy\r\n"), "{text}");
}

#[test]
fn invalid_part_settings_are_builder_errors() {
    assert!(
        Part::text("x")
            .mime_str("bad\nmime")
            .unwrap_err()
            .is_builder()
    );
    assert!(
        Part::text("x")
            .header("bad name", "v")
            .unwrap_err()
            .is_builder()
    );
}

#[test]
fn common_extensions_get_their_content_type() {
    assert_eq!(mime::guess("photo.JPG"), "image/jpeg");
    assert_eq!(mime::guess("notes.txt"), "text/plain");
    assert_eq!(mime::guess("archive"), "application/octet-stream");
}
