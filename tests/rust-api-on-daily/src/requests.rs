//! Request and response.

use crate::harness::*;

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Echo {
    text: String,
    from_id: String,
}

scenario! {
    /// Request and response: a 20,000-character payload and answer through daily-js's 4096-character
    /// app messages; unsupported-method, application-error with its message and data,
    /// recipient-not-found; request_all; a dropped handler no longer answers.
    "requests", requests => requests_on()
}

async fn requests_on(page: &Page) -> Check {
    let [ann, bo, cy] = joined(page, &SyncOptions::default())?;
    let echo = bo
        .sync
        .handle("echo", |text: String, from_id: String| async move { Ok(Echo { text, from_id }) })
        .or_fail("Bo's echo handler")?;
    let _book = bo
        .sync
        .handle("book", |seats: u32, _: String| async move {
            Err::<u32, _>(RpcFailure::new(format!("no room for {seats}")).with_data(json!({ "left": 0 })))
        })
        .or_fail("Bo's book handler")?;
    let _bo_ready =
        bo.sync.handle("ready", |_: Value, _: String| async { Ok::<_, RpcFailure>(true) }).or_fail("ready")?;
    let _cy_ready =
        cy.sync.handle("ready", |_: Value, _: String| async { Ok::<_, RpcFailure>(false) }).or_fail("ready")?;
    let plain = RequestOptions::default();

    let text = "é\"x🎉\\".repeat(4_000);
    ensure_eq!(text.chars().count(), 20_000, "the payload's characters");
    let answer: Echo = ann.sync.request(&bo.id, "echo", &text, &plain).await.or_fail("the echo request")?;
    ensure!(
        answer.text == text,
        "the 20,000-character answer differs from what was sent ({} characters)",
        answer.text.chars().count()
    );
    ensure_eq!(answer.from_id, ann.id, "the caller as the handler saw it");

    let unknown = ann.sync.request::<_, Value>(&bo.id, "nope", &1, &plain).await;
    ensure!(
        matches!(unknown, Err(Error::Rpc { code: "unsupported-method", .. })),
        "a method with no handler: {unknown:?}"
    );
    match ann.sync.request::<_, u32>(&bo.id, "book", &2, &plain).await {
        Err(Error::Rpc { code: "application-error", message, data }) => {
            ensure!(message.contains("no room for 2"), "the handler's message: {message:?}");
            ensure_eq!(data, Some(json!({ "left": 0 })), "the handler's data");
        }
        other => return Err(format!("a failing handler: expected application-error, got {other:?}")),
    }
    let nobody = ann.sync.request::<_, Value>("no-such-session", "echo", &"?", &plain).await;
    ensure!(matches!(nobody, Err(Error::Rpc { code: "recipient-not-found", .. })), "an unknown recipient: {nobody:?}");

    let answers = ann.sync.request_all::<_, bool>("ready", &(), &plain).await.or_fail("request_all")?;
    let answers: BTreeMap<_, _> = answers.into_iter().map(|(id, answer)| (id, answer.map_err(|e| e.kind()))).collect();
    let expected = BTreeMap::from([(bo.id.clone(), Ok(true)), (cy.id.clone(), Ok(false))]);
    ensure_eq!(answers, expected, "request_all's answers by session id");

    drop(echo);
    let dropped = ann.sync.request::<_, Echo>(&bo.id, "echo", &"again", &plain).await;
    ensure!(matches!(dropped, Err(Error::Rpc { code: "unsupported-method", .. })), "a dropped handler: {dropped:?}");
    Ok(())
}
