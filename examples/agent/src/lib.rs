pub fn app() -> chainrs::App {
    chainrs::App::new()
}
