//! Timeout layer tests, in paused time.

use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body::{Body, Frame};
use sessio_core::Timeouts;
use tower::Layer;

use super::*;
use http_body_util::{BodyExt, StreamBody};
use std::convert::Infallible;
use tower::{ServiceExt, service_fn};

fn trickle(gaps_ms: Vec<u64>) -> impl Body<Data = Bytes, Error = Infallible> + Send {
    StreamBody::new(futures_util::stream::unfold(
        gaps_ms.into_iter(),
        |mut gaps| async move {
            let gap = gaps.next()?;
            tokio::time::sleep(Duration::from_millis(gap)).await;
            Some((Ok(Frame::data(Bytes::from_static(b"x"))), gaps))
        },
    ))
}

fn layer(read_ms: u64, total_ms: Option<u64>) -> TimeoutLayer {
    let mut timeouts = Timeouts::new().read(Duration::from_millis(read_ms));
    timeouts.total = total_ms.map(Duration::from_millis);
    TimeoutLayer::new(timeouts)
}

#[tokio::test(start_paused = true)]
async fn read_timeout_resets_on_every_chunk() {
    let svc = layer(100, None).layer(service_fn(|_: Request<()>| async {
        Ok::<_, std::convert::Infallible>(Response::new(trickle(vec![50, 50, 50, 50])))
    }));
    let body = svc.oneshot(Request::new(())).await.unwrap().into_body();
    let bytes = body.collect().await.unwrap().to_bytes();
    assert_eq!(
        bytes.len(),
        4,
        "a trickling body never trips the read timeout"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stall_mid_body_is_a_read_timeout() {
    let svc = layer(100, None).layer(service_fn(|_: Request<()>| async {
        Ok::<_, std::convert::Infallible>(Response::new(trickle(vec![10, 500])))
    }));
    let body = svc.oneshot(Request::new(())).await.unwrap().into_body();
    let err = body.collect().await.unwrap_err();
    assert_eq!(
        err.downcast_ref::<ReadTimeout>().map(ReadTimeout::after),
        Some(Duration::from_millis(100))
    );
}

#[tokio::test(start_paused = true)]
async fn the_total_deadline_covers_the_body() {
    let svc = layer(100, Some(120)).layer(service_fn(|_: Request<()>| async {
        Ok::<_, std::convert::Infallible>(Response::new(trickle(vec![50, 50, 50, 50])))
    }));
    let body = svc.oneshot(Request::new(())).await.unwrap().into_body();
    let err = body.collect().await.unwrap_err();
    assert!(err.is::<TotalTimeout>(), "{err}");
}

#[tokio::test(start_paused = true)]
async fn request_timeouts_override_the_layer() {
    let svc = layer(10, None).layer(service_fn(|_: Request<()>| async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok::<_, std::convert::Infallible>(Response::new(trickle(vec![])))
    }));
    let mut req = Request::new(());
    req.extensions_mut()
        .insert(Timeouts::new().read(Duration::from_millis(200)));
    assert!(svc.clone().oneshot(req).await.is_ok());
    let err = svc.oneshot(Request::new(())).await.unwrap_err();
    assert!(err.is::<ReadTimeout>(), "{err}");
}
