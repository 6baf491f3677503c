use chainrs::prelude::*;

#[on_stop]
async fn stop<T>(state: State<T>) where T: Send + Sync + 'static {
    let _ = state;
}

fn main() {}
