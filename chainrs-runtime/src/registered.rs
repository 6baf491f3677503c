//! A registered handler and where it came from, so a conflict or a failure can name the
//! function, where it is defined and where the app registered it.

use std::panic::Location;

/// Where a handler was written: its name and `file:line`, filled in by the macro.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandlerInfo {
    /// The function's name.
    pub name: &'static str,
    /// `file:line` of the function.
    pub defined_at: &'static str,
}

/// A registered handler with where it came from.
#[derive(Clone)]
pub(crate) struct Registered<F> {
    pub(crate) info: HandlerInfo,
    pub(crate) registered_at: &'static Location<'static>,
    pub(crate) call: F,
}

impl<F> Registered<F> {
    /// "`name` (defined at file:line, registered at file:line:col)".
    pub(crate) fn describe(&self) -> String {
        format!(
            "`{}` (defined at {}, registered at {})",
            self.info.name, self.info.defined_at, self.registered_at
        )
    }
}
