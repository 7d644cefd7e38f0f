// How messages name a setting the user made in the app, so a failure points to where it was set.

/** A server URL typed into Settings: the app passes it on as MLFLOW_TRACKING_URI, but that is not
 * where the user put it. */
export const SETTINGS_SERVER = 'the MLflow server set in Settings';
