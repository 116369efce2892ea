"""Model adapters: every way truthline runs a model, behind the Detector and Classifier protocols."""
