//! The values an app shares with every handler, by type (`App::with_state`); handlers take
//! them as `State<T>`.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, Result};

/// App-wide values by type.
#[derive(Clone, Default)]
pub(crate) struct StateMap {
    values: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl StateMap {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.values.insert(TypeId::of::<T>(), Arc::new(value));
    }

    /// The value of type `T`, or an error naming `App::with_state`.
    pub(crate) fn get<T: Send + Sync + 'static>(&self) -> Result<Arc<T>> {
        self.values
            .get(&TypeId::of::<T>())
            .and_then(|v| v.clone().downcast::<T>().ok())
            .ok_or_else(|| {
                let name = std::any::type_name::<T>();
                Error::Config(format!(
                    "a handler takes `State<{name}>`, but no value of that type was registered: call App::with_state(value) with a `{name}`"
                ))
            })
    }
}
