//! Yew "hello world": the smallest app built like the widget, the size floor in BENCHMARKS.md.
use wasm_bindgen::prelude::wasm_bindgen;
use yew::{Html, function_component, html};

/// The widget's allocator (riskpane's `src/lib.rs`).
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[function_component]
fn App() -> Html {
    html! { <p>{ "Hello world" }</p> }
}

/// Renders the app into the page's body.
#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<App>::new().render();
}
