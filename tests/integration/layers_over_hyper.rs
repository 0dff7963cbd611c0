//! sessio's layers over a raw hyper-util `Client`, against the loopback server:
//! only `sessio-layers` (and the option types of `sessio-core`), no `Session`,
//! and no sessio body or error type.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use sessio_core::{Auth, Timeouts};
use sessio_layers::BoxError;
use sessio_layers::auth::{AddAuth, AddAuthLayer};
use sessio_layers::cookies::{Cookies, CookiesLayer, Jar};
use sessio_layers::default_headers::{DefaultHeaders, DefaultHeadersLayer};
use sessio_layers::redirect::{Redirect, RedirectHistory, RedirectLayer, TooManyRedirects};
use sessio_layers::timeout::{ReadTimeout, Timeout, TimeoutLayer};
use sessio_tests::Server;
use tower::{ServiceBuilder, ServiceExt};

type Stack =
    DefaultHeaders<AddAuth<Redirect<Cookies<Timeout<Client<HttpConnector, Full<Bytes>>>>>>>;

fn stack(jar: Arc<Jar>, read_timeout: Duration) -> Stack {
    let mut defaults = HeaderMap::new();
    defaults.insert("user-agent", HeaderValue::from_static("raw-stack/1"));
    let timeouts = Timeouts::new().read(read_timeout);
    ServiceBuilder::new()
        .layer(DefaultHeadersLayer::new(defaults))
        .layer(AddAuthLayer::new(Auth::bearer("t0k")))
        .layer(RedirectLayer::new().max_redirects(3))
        .layer(CookiesLayer::new(jar))
        .layer(TimeoutLayer::new(timeouts))
        .service(Client::builder(TokioExecutor::new()).build_http())
}

fn get(url: String) -> Request<Full<Bytes>> {
    Request::get(url).body(Full::default()).unwrap()
}

async fn json<B>(response: Response<B>) -> serde_json::Value
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::fmt::Debug,
{
    let body = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&body).unwrap()
}

#[tokio::test]
async fn redirects_cookies_headers_and_auth_work_over_hyper_util() {
    let server = Server::echo().await;
    let jar = Arc::new(Jar::new());
    let client = stack(jar.clone(), Duration::from_secs(10));
    let response = client
        .clone()
        .oneshot(get(server.url("/cookies/set?sid=7")))
        .await
        .unwrap();
    let history = response
        .extensions()
        .get::<RedirectHistory>()
        .unwrap()
        .clone();
    assert_eq!(history.followed.len(), 1);
    assert_eq!(history.followed[0].response.status(), 302);
    assert_eq!(history.followed[0].request.url.path(), "/cookies/set");
    assert_eq!(history.request.url.path(), "/cookies");
    let seen = json(response).await;
    assert_eq!(seen["headers"]["user-agent"], "raw-stack/1");
    assert_eq!(seen["headers"]["authorization"], "Bearer t0k");
    assert_eq!(
        seen["headers"]["cookie"], "sid=7",
        "the jar fed the next hop"
    );
    assert_eq!(jar.get("sid").unwrap().as_deref(), Some("7"));

    // The cookie persists, and the pooled connection is reused.
    let seen = json(client.oneshot(get(server.url("/"))).await.unwrap()).await;
    assert_eq!(seen["headers"]["cookie"], "sid=7");
    assert_eq!(server.connections(), 1, "one pooled hyper-util connection");
}

#[tokio::test]
async fn the_layers_errors_are_their_own_types() {
    let server = Server::echo().await;
    let client = stack(Arc::new(Jar::new()), Duration::from_millis(100));
    let err: BoxError = client
        .clone()
        .oneshot(get(server.url("/loop")))
        .await
        .unwrap_err();
    let too_many = err.downcast::<TooManyRedirects>().unwrap();
    assert_eq!(too_many.max_redirects(), 3);
    assert_eq!(too_many.history().len(), 3);
    assert_eq!(too_many.last().response.status(), 302);

    // The server answers after 1 s; the read timeout is 100 ms.
    let err = client
        .oneshot(get(server.url("/delay/1000")))
        .await
        .unwrap_err();
    assert_eq!(
        err.downcast_ref::<ReadTimeout>().map(ReadTimeout::after),
        Some(Duration::from_millis(100)),
        "{err}"
    );
}

#[tokio::test]
async fn authorization_does_not_follow_a_redirect_to_another_host() {
    let server = Server::echo().await;
    let client = stack(Arc::new(Jar::new()), Duration::from_secs(10));
    let elsewhere = server.localhost_url("/");
    let url = server.url(&format!("/redirect-to?url={elsewhere}"));
    let seen = json(client.oneshot(get(url)).await.unwrap()).await;
    assert!(seen["headers"].get("authorization").is_none(), "{seen}");
    assert_eq!(seen["headers"]["user-agent"], "raw-stack/1");
}
