//! The live Q&A's hands, stage and chat as a Leptos app, in Rust with no JavaScript of its own:
//! `daily_sync::Call` makes and joins the call, `DailySync` carries the three kinds of data.
//!
//! - raised hands are each participant's userData (`Hand`), which late joiners see;
//! - the stage (who speaks) is the room-wide session data (`Stage`), throttled;
//! - chat lines are app messages (`Chat`), which only those present get.
//!
//! The page's query picks the room: `?room=qa&name=Ann` joins the local room "qa" (no Daily
//! account; tabs of one browser share it), `?url=https://your-domain.daily.co/room&name=Ann` a real
//! Daily room (the page must then load daily-js's script build, which defines `Daily`).

use daily_sync::local::LocalCallOptions;
use daily_sync::session::SessionData;
use daily_sync::{Call, CallOptions, DailySync, JoinOptions, Recipient, SyncOptions};
use futures::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// A participant's userData.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Hand {
    raised: bool,
}

/// The room-wide state: who is on stage (a session id).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Stage {
    speaker: Option<String>,
}

/// A chat line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Chat {
    text: String,
}

/// A participant as the page shows it.
#[derive(Debug, Clone, PartialEq)]
struct Person {
    id: String,
    name: String,
    hand: bool,
    local: bool,
}

/// The call, what syncs over it, and the stage's throttled handle.
struct Session {
    call: Call,
    sync: DailySync,
    stage: SessionData<Stage>,
}

/// A query parameter of the page's URL.
fn param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
}

#[wasm_bindgen(start)]
pub fn start() {
    mount_to_body(App);
}

/// Everyone in the call, the local participant first.
fn people_of(sync: &DailySync) -> Vec<Person> {
    let mut people: Vec<Person> = sync
        .participants::<Hand>()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .map(|p| Person {
            hand: p.user_data.is_some_and(|hand| hand.raised),
            id: p.session_id,
            name: p.user_name,
            local: p.local,
        })
        .collect();
    people.sort_by_key(|p| (!p.local, p.name.clone()));
    people
}

#[component]
fn App() -> impl IntoView {
    let name = param("name").unwrap_or_else(|| "Guest".into());
    let (status, set_status) = signal(String::from("joining"));
    let (people, set_people) = signal(Vec::<Person>::new());
    let (speaker, set_speaker) = signal(None::<String>);
    let (lines, set_lines) = signal(Vec::<(String, String)>::new());
    let (draft, set_draft) = signal(String::new());
    let session = StoredValue::new_local(None::<Session>);

    spawn_local({
        let name = name.clone();
        async move {
            let made = match param("url") {
                Some(url) => Call::create(&CallOptions { url: Some(url), ..Default::default() }),
                None => Call::local(&LocalCallOptions {
                    room: param("room").unwrap_or_else(|| "qa".into()),
                    session_data_sync_ms: Some(200),
                    ..Default::default()
                }),
            };
            let call = match made {
                Ok(call) => call,
                Err(error) => return set_status.set(format!("error: {error}")),
            };
            let options = SyncOptions { session_data_interval_ms: 250, ..Default::default() };
            let Ok(sync) = DailySync::with_options(call.clone().into(), &options) else {
                return set_status.set("error".into());
            };
            let (Ok(mut events), Ok(mut messages), Ok(stage)) =
                (sync.participant_events::<Hand>(), sync.app_messages::<Chat>(), sync.session_data::<Stage>())
            else {
                return set_status.set("error: no subscriptions".into());
            };
            let Ok(mut states) = stage.states() else { return set_status.set("error: no session states".into()) };
            if let Err(error) = call.join(&JoinOptions { user_name: Some(name), ..Default::default() }).await {
                return set_status.set(format!("error: {error}"));
            }
            set_people.set(people_of(&sync));
            set_speaker.set(stage.get().ok().and_then(|s| s.speaker));
            set_status.set("joined".into());
            let peers = sync.clone();
            spawn_local(async move {
                while let Some(event) = events.next().await {
                    if event.is_ok() {
                        set_people.set(people_of(&peers));
                    }
                }
            });
            spawn_local(async move {
                while let Some(Ok(message)) = messages.next().await {
                    let who = people.get_untracked().into_iter().find(|p| p.id == message.from_id).map(|p| p.name);
                    set_lines.update(|lines| lines.push((who.unwrap_or(message.from_id), message.data.text)));
                }
            });
            spawn_local(async move {
                while let Some(state) = states.next().await {
                    if let Ok(state) = state {
                        set_speaker.set(state.speaker);
                    }
                }
            });
            session.set_value(Some(Session { call, sync, stage }));
        }
    });

    let toggle_hand = move |_| {
        let raised = !people.get_untracked().iter().any(|p| p.local && p.hand);
        let Some(sync) = session.with_value(|s| s.as_ref().map(|s| s.sync.clone())) else { return };
        spawn_local(async move {
            if sync.set_user_data(&Hand { raised }).await.is_ok() {
                set_people.set(people_of(&sync));
            }
        });
    };
    let put_on_stage = move |id: String| {
        session.with_value(|s| {
            if let Some(s) = s {
                if s.stage.set(&Stage { speaker: Some(id.clone()) }).is_ok() {
                    set_speaker.set(Some(id));
                }
            }
        });
    };
    let send = move |_| {
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        let me = people.get_untracked().into_iter().find(|p| p.local).map(|p| p.name).unwrap_or_default();
        session.with_value(|s| {
            if let Some(s) = s {
                if s.sync.send_app_message(&Chat { text: text.clone() }, Recipient::All).is_ok() {
                    set_lines.update(|lines| lines.push((me, text)));
                    set_draft.set(String::new());
                }
            }
        });
    };
    let speaker_name = move || {
        let id = speaker.get()?;
        people.get().into_iter().find(|p| p.id == id).map(|p| p.name)
    };
    let leave = move |_| {
        if let Some(call) = session.with_value(|s| s.as_ref().map(|s| s.call.clone())) {
            spawn_local(async move {
                if call.leave().await.is_ok() {
                    set_status.set("left".into());
                }
            });
        }
    };

    view! {
        <main>
            <h1>"Live Q&A"</h1>
            <p id="status">{move || status.get()}</p>
            <section>
                <h2>"On stage"</h2>
                <p id="speaker">{move || speaker_name().unwrap_or_else(|| "nobody".into())}</p>
            </section>
            <section>
                <h2>"People"</h2>
                <ul id="people">
                    <For each=move || people.get() key=|p| (p.id.clone(), p.hand) let:person>
                        <li class="person" data-name=person.name.clone() data-hand=person.hand.to_string()>
                            {person.name.clone()}
                            {if person.hand { " ✋" } else { "" }}
                            <button class="to-stage" on:click={
                                let id = person.id.clone();
                                move |_| put_on_stage(id.clone())
                            }>"On stage"</button>
                        </li>
                    </For>
                </ul>
                <button id="hand" on:click=toggle_hand>"Raise or lower my hand"</button>
                <button id="leave" on:click=leave>"Leave"</button>
            </section>
            <section>
                <h2>"Chat"</h2>
                <ul id="chat">
                    <For each=move || lines.get().into_iter().enumerate() key=|(i, _)| *i let:line>
                        <li class="line">{line.1 .0.clone()}": "{line.1 .1.clone()}</li>
                    </For>
                </ul>
                <input id="draft" prop:value=move || draft.get() on:input=move |ev| set_draft.set(event_target_value(&ev)) />
                <button id="send" on:click=send>"Send"</button>
            </section>
        </main>
    }
}
