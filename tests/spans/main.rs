//! The `tracing` feature: a span per send and one per hop, with the fields a
//! user reads, and no credentials in the URLs. A test binary of its own, with
//! its subscriber installed for the whole process (tracing caches per call site
//! whether anyone listens, which tests on other threads would race with).

use std::sync::{Arc, Mutex};

use sessio::Session;
use sessio_tests::Server;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Collects each span's name and fields (`name{field=value ...}`), in order.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<(String, Vec<(String, String)>)>>>);

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

impl Subscriber for Spans {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut spans = self.0.lock().unwrap();
        let mut fields = Vec::new();
        span.record(&mut Fields(&mut fields));
        spans.push((span.metadata().name().to_owned(), fields));
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.0.lock().unwrap();
        let entry = &mut spans[span.into_u64() as usize - 1];
        values.record(&mut Fields(&mut entry.1));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

impl Spans {
    fn field(&self, index: usize, name: &str) -> Option<String> {
        let spans = self.0.lock().unwrap();
        spans[index]
            .1
            .iter()
            .rev()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.clone())
    }
}

#[tokio::test]
async fn a_send_and_each_hop_have_a_span() {
    let server = Server::echo().await;
    let spans = Spans::default();
    tracing::subscriber::set_global_default(spans.clone()).expect("the only subscriber");
    let with_credentials = server
        .url("/cookies/set?sid=1")
        .replace("http://", "http://user:secret@");
    let r = Session::new().get(with_credentials).send().await.unwrap();
    assert_eq!(r.history().len(), 1);

    let names: Vec<String> = spans
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.0.clone())
        .collect();
    assert_eq!(names, ["sessio.request", "sessio.hop", "sessio.hop"]);
    assert_eq!(
        spans.field(0, "http.request.method").as_deref(),
        Some("GET")
    );
    assert_eq!(spans.field(0, "otel.name").as_deref(), Some("GET"));
    assert_eq!(
        spans.field(0, "server.address").as_deref(),
        Some("127.0.0.1")
    );
    assert_eq!(
        spans.field(0, "server.port"),
        Some(
            server
                .url("")
                .rsplit(':')
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_owned()
        )
    );
    assert_eq!(
        spans.field(0, "http.response.status_code").as_deref(),
        Some("200")
    );
    assert_eq!(spans.field(0, "sessio.redirects").as_deref(), Some("1"));
    assert!(spans.field(0, "sessio.elapsed_ms").is_some());
    assert_eq!(
        spans.field(1, "http.request.resend_count"),
        None,
        "the first send"
    );
    assert_eq!(
        spans.field(1, "http.response.status_code").as_deref(),
        Some("302")
    );
    assert_eq!(
        spans.field(2, "http.request.resend_count").as_deref(),
        Some("1")
    );
    assert_eq!(
        spans.field(2, "http.response.status_code").as_deref(),
        Some("200")
    );
    assert!(spans.field(2, "url.full").unwrap().ends_with("/cookies"));
    assert!(
        spans
            .field(1, "url.full")
            .unwrap()
            .ends_with("/cookies/set?sid=REDACTED"),
        "query values are redacted: {:?}",
        spans.field(1, "url.full")
    );
    for (_, fields) in spans.0.lock().unwrap().iter() {
        for (name, value) in fields {
            assert!(!value.contains("secret"), "{name}={value} shows a password");
        }
    }

    // Query values shown when the session opts in.
    spans.0.lock().unwrap().clear();
    let shown = Session::builder().trace_query_values(true).build().unwrap();
    shown.get(server.url("/get?page=2&q")).send().await.unwrap();
    assert!(
        spans
            .field(0, "url.full")
            .unwrap()
            .ends_with("/get?page=2&q")
    );

    // An auth flow's re-send is an attempt of its own.
    spans.0.lock().unwrap().clear();
    let guarded = Server::start(|req: http::Request<hyper::body::Incoming>| async move {
        if req.headers().contains_key("authorization") {
            sessio_tests::respond(200, &[], "in")
        } else {
            let challenge = "Digest realm=\"r\", nonce=\"n\", qop=\"auth\"";
            sessio_tests::respond(401, &[("www-authenticate", challenge)], "who?")
        }
    })
    .await;
    let digest = Session::builder()
        .auth(sessio::Auth::digest("u", "p"))
        .build()
        .unwrap();
    assert_eq!(
        digest.get(guarded.url("/")).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        spans.field(1, "http.response.status_code").as_deref(),
        Some("401")
    );
    assert_eq!(
        spans.field(2, "http.request.resend_count").as_deref(),
        Some("1")
    );
    assert_eq!(
        spans.field(2, "http.response.status_code").as_deref(),
        Some("200")
    );

    // An error has its type.
    spans.0.lock().unwrap().clear();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let err = Session::new()
        .get(format!("http://127.0.0.1:{port}/"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect());
    assert_eq!(spans.field(0, "error.type").as_deref(), Some("connect"));
    assert!(spans.field(0, "error.message").unwrap().contains("refused"));
}
